"""The team's audit chain: the same entries and hashing as a workstation's audit.jsonl, appends that never
fork it (three processes at once), rows that cannot be changed unnoticed, imports that never repeat."""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from vms_desk.core.errors import StorageError
from vms_desk.evidence.audit import AuditLog, entry_hash
from vms_desk.jobs.store import JobStore
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.database import Database
from vms_desk.store.open import open_database
from vms_desk.workstation.root import Workstation


def fill(log: Any, count: int = 4) -> list[dict[str, Any]]:
    return [
        log.record(
            "export",
            "done",
            server={"vendor": "axis", "url": "http://cam"},
            camera=str(n),
            options={"password": "hunter2", "vc": 1},
        )
        for n in range(count)
    ]


def tamper(database: Database, postgres: Any, statement: str) -> None:
    """Run `statement` on the audit table as its owner would, past the triggers that refuse it."""
    if database.engine == "postgresql":
        with postgres.admin(database.params["dbname"]) as conn:  # type: ignore[attr-defined]
            conn.execute("ALTER TABLE audit DISABLE TRIGGER audit_insert_only")
            conn.execute(statement)
            conn.execute("ALTER TABLE audit ENABLE TRIGGER audit_insert_only")
        return
    with sqlite3.connect(database.path) as conn:  # type: ignore[attr-defined]
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute(statement)


def test_entries_have_the_form_and_hashing_of_the_workstation_log(database: Database, tmp_path: Path) -> None:
    team = TeamAuditLog(database)
    written = fill(team)
    own = fill(AuditLog(tmp_path / "own"), 1)[0]
    assert set(written[0]) == set(own)
    assert team.entries() == written
    assert [e["seq"] for e in written] == [1, 2, 3, 4]
    assert all(e["options"]["password"] == "***" for e in written)
    assert team.where == database.where
    report = team.verify()
    assert report.ok, report.problems
    assert report.entries == 4
    # The rows, written out as lines, are a workstation log that verifies: one form, one hashing.
    copy = tmp_path / "copy"
    copy.mkdir()
    with database.read() as conn:
        rows = [r["entry"] for r in conn.execute("SELECT entry FROM audit ORDER BY seq")]
    assert not any("hunter2" in r for r in rows)
    (copy / "audit.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert AuditLog(copy).verify().ok


def test_an_unknown_action_is_refused_and_nothing_is_written(database: Database) -> None:
    team = TeamAuditLog(database)
    with pytest.raises(ValueError, match="unknown audit action"):
        team.record("format-disk", "done")
    assert team.entries() == []


def test_a_second_entry_after_the_same_one_is_refused(database: Database) -> None:
    """UNIQUE(prev): even a writer that skipped the lock cannot fork the chain."""
    team = TeamAuditLog(database)
    first = team.record("verify", "ok")
    team.record("verify", "ok")
    with pytest.raises(StorageError), database.write() as conn:
        conn.execute(
            "INSERT INTO audit (seq, prev, hash, entry) VALUES (?, ?, ?, ?)",
            (99, first["hash"], "f" * 64, "{}"),
        )
    assert team.verify().ok


def test_rows_cannot_be_changed_or_removed(database: Database) -> None:
    team = TeamAuditLog(database)
    fill(team, 2)
    for statement in ("UPDATE audit SET entry = '{}' WHERE seq = 1", "DELETE FROM audit WHERE seq = 2"):
        with pytest.raises(StorageError), database.write() as conn:
            conn.execute(statement)
    assert team.verify().ok


def test_a_changed_row_is_caught(database: Database, postgres: Any, tmp_path: Path) -> None:
    team = TeamAuditLog(database)
    fill(team)
    tamper(
        database,
        postgres,
        """UPDATE audit SET entry = replace(entry, '"outcome":"done"', '"outcome":"failed"') WHERE seq = 2""",
    )
    report = team.verify()
    assert not report.ok
    assert report.problems == ["Entry 2 was changed after it was written."]


def test_a_rehashed_row_still_breaks_the_chain(database: Database, postgres: Any, tmp_path: Path) -> None:
    team = TeamAuditLog(database)
    entries = fill(team)
    forged = {**entries[1], "outcome": "failed"}
    forged["hash"] = entry_hash(forged)
    text = json.dumps(forged, sort_keys=True, separators=(",", ":"))
    tamper(database, postgres, f"UPDATE audit SET entry = '{text}', hash = '{forged['hash']}' WHERE seq = 2")
    problems = team.verify().problems
    assert problems == [
        "Entry 3 does not follow the entry before it: an entry was removed, inserted or reordered."
    ]


def test_a_removed_row_is_caught(database: Database, postgres: Any, tmp_path: Path) -> None:
    team = TeamAuditLog(database)
    fill(team)
    tamper(database, postgres, "DELETE FROM audit WHERE seq = 2")
    problems = team.verify().problems
    assert "Entry 2 is missing before entry 3: rows were removed." in problems
    assert any(p.startswith("Entry 3 does not follow") for p in problems)


def test_imports_carry_the_original_verbatim_and_never_repeat(database: Database, tmp_path: Path) -> None:
    own = AuditLog(tmp_path / "own")
    originals = fill(own, 3)
    team = TeamAuditLog(database)
    team.record("case", "created", case="C-1")
    assert team.import_entries(originals, source="ws1") == (3, 0)
    assert team.import_entries(own.entries(), source="ws1") == (0, 3)
    entries = team.entries()
    assert [e["action"] for e in entries] == ["case", "import", "import", "import"]
    assert [e["original"] for e in entries[1:]] == originals
    assert team.imported() == {e["hash"] for e in originals}
    assert team.verify().ok


def test_a_changed_import_is_caught_even_rehashed(database: Database, postgres: Any, tmp_path: Path) -> None:
    own = AuditLog(tmp_path / "own")
    team = TeamAuditLog(database)
    team.import_entries(fill(own, 1), source="ws1")
    imported = team.entries()[0]
    forged = {**imported, "original": {**imported["original"], "outcome": "failed"}}
    forged["hash"] = entry_hash(forged)
    text = json.dumps(forged, sort_keys=True, separators=(",", ":"))
    tamper(database, postgres, f"UPDATE audit SET entry = '{text}', hash = '{forged['hash']}' WHERE seq = 1")
    problems = team.verify().problems
    assert problems == [
        "Entry 1 carries a workstation entry whose own hash does not cover it: that entry was changed."
    ]


def _append_many(url: str, writer: int, count: int, go: Any) -> None:
    team = TeamAuditLog(open_database(url))
    go.wait(60)  # all three connected: the appends overlap
    for n in range(count):
        team.record("verify", "ok", writer=writer, n=n)


def test_three_workstations_appending_at_once_never_fork_the_chain(pg_url: str) -> None:
    JobStore(open_database(pg_url))
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Barrier(3)
    procs = [ctx.Process(target=_append_many, args=(pg_url, w, 1000, go)) for w in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(90)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    team = TeamAuditLog(open_database(pg_url))
    report = team.verify()
    assert report.ok, report.problems[:5]
    assert report.entries == 3000
    entries = team.entries()
    assert [e["seq"] for e in entries] == list(range(1, 3001))
    for writer in range(3):
        assert [e["n"] for e in entries if e["writer"] == writer] == list(range(1000))
    # They really ran at once: each writer's entries are interleaved with another's.
    writers = [e["writer"] for e in entries]
    assert sum(1 for a, b in itertools.pairwise(writers) if a != b) > 10


def test_the_workstation_uses_the_team_chain_on_postgresql_and_its_file_on_sqlite(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMS_DESK_STORE_URL", raising=False)
    alone = Workstation.open(tmp_path / "alone")
    try:
        assert isinstance(alone.audit, AuditLog)
    finally:
        asyncio.run(alone.aclose())
    monkeypatch.setenv("VMS_DESK_STORE_URL", pg_url)
    team = Workstation.open(tmp_path / "team")
    try:
        assert isinstance(team.audit, TeamAuditLog)
        team.cases.new("C-7", by="ann")
        assert [e["case"] for e in TeamAuditLog(open_database(pg_url)).entries()] == ["C-7"]
        assert not (tmp_path / "team" / "audit.jsonl").exists()
    finally:
        asyncio.run(team.aclose())
