"""`vms-desk store migrate --to URL` and `vms-desk audit [verify]` on a team store, as subprocesses against a
real PostgreSQL: a workstation's jobs, cases and audit chain move once, and the team chain verifies."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli, json_out, make_home, one_error_line
from records_helpers import new_record

from vms_desk.cases.book import CaseBook
from vms_desk.core.jobstate import JobState
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs.store import JobStore
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.open import open_database
from vms_desk.store.postgres import PostgresDatabase


def workstation(tmp_path: Path) -> tuple[Path, list[str]]:
    """A home with three jobs (one left unfinished), a case and audit entries; the job ids."""
    home = make_home(tmp_path)
    store = JobStore(home / "jobs.sqlite3")
    audit = AuditLog(home)
    CaseBook(store.db, audit).new("C-1", title="Till 3", by="ann")
    ids = []
    for n, end in enumerate([JobState.FAILED, JobState.CANCELLED, None]):
        job = store.add(new_record(tmp_path, camera_name=f"cam {n}", case="C-1"))
        if end is not None:
            store.move(job.id, JobState.SUBMITTING, "sent")
            store.move(job.id, end, "stopped", error="gone" if end is JobState.FAILED else "")
            audit.record("export", str(end), job_id=job.id, options={"password": "hunter2"})
        ids.append(job.id)
    return home, ids


def lines(result: Any) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_moving_twice_copies_once_and_the_team_chain_verifies(tmp_path: Path, pg_url: str) -> None:
    home, ids = workstation(tmp_path)
    originals = AuditLog(home).entries()
    assert len(originals) == 3

    first = lines(cli(home, "store", "migrate", "--to", pg_url))
    assert first[:4] == [
        "jobs: 3 copied, 0 already there",
        "events: 8 copied (with their jobs)",  # 3 + 3; the unfinished one: queued, then interrupted
        "cases: 1 copied, 0 already there",
        "audit entries: 3 copied, 0 already there",
    ]
    assert "audit chain (3 entries) is intact" in first[4]
    second = lines(cli(home, "store", "migrate", "--to", pg_url))
    assert second[:4] == [
        "jobs: 0 copied, 3 already there",
        "events: 0 copied (with their jobs)",
        "cases: 0 copied, 1 already there",
        "audit entries: 0 copied, 3 already there",
    ]

    team = {"VMS_DESK_STORE_URL": pg_url}
    assert lines(cli(home, "audit", "verify", env=team)) == ["3 entries; the chain is intact"]
    entries = json_out(cli(home, "audit", "--json", env=team))
    assert [e["action"] for e in entries] == ["import"] * 3
    assert [e["original"] for e in entries] == originals  # verbatim, secrets still redacted
    assert "hunter2" not in json.dumps(entries)
    jobs = {j["id"]: j for j in json_out(cli(home, "jobs", "--json", env=team))}
    assert set(jobs) == set(ids)
    assert jobs[ids[2]]["state"] == "interrupted"  # resumable from the team store
    mine = JobStore(home / "jobs.sqlite3")
    theirs = JobStore(open_database(pg_url))
    for job_id in ids:
        # As it was, but for the workstation a job from before they were recorded now names: this one.
        expected = mine.get(job_id)
        expected = expected.model_copy(update={"workstation": expected.workstation or socket.gethostname()})
        assert theirs.get(job_id) == expected
        assert theirs.events(job_id) == mine.events(job_id)


def test_a_workstation_whose_own_chain_is_broken_copies_nothing(tmp_path: Path, pg_url: str) -> None:
    home, _ = workstation(tmp_path)
    log = home / "audit.jsonl"
    log.write_text(log.read_text(encoding="utf-8").replace('"outcome":"failed"', '"outcome":"done"'))
    result = cli(home, "store", "migrate", "--to", pg_url)
    assert result.returncode == 1
    error = one_error_line(result.stderr)
    assert "audit log" in error
    assert "does not verify, so nothing was copied: Line 2 (entry 2) was changed after it" in error
    with PostgresDatabase(pg_url).read() as conn:
        assert conn.execute("SELECT to_regclass('jobs') AS t").fetchone()["t"] is None


@pytest.mark.parametrize(
    ("to", "words"),
    [
        ("sqlite:///elsewhere.sqlite3", "is not a team store"),
        ("postgresql://ws:pw@db/team", "contains a password"),
    ],
)
def test_a_target_that_is_not_a_team_store_is_refused(tmp_path: Path, to: str, words: str) -> None:
    home, _ = workstation(tmp_path)
    result = cli(home, "store", "migrate", "--to", to)
    assert result.returncode == 2
    assert words in one_error_line(result.stderr)


def test_audit_verify_on_a_team_store_names_a_changed_row(tmp_path: Path, pg_url: str, postgres: Any) -> None:
    db = open_database(pg_url)
    JobStore(db)
    audit = TeamAuditLog(db)
    for n in range(3):
        audit.record("verify", "ok", folder=f"/evidence/{n}")
    home = make_home(tmp_path)
    team = {"VMS_DESK_STORE_URL": pg_url}
    assert lines(cli(home, "audit", "verify", env=team)) == ["3 entries; the chain is intact"]
    with postgres.admin(db.params["dbname"]) as conn:  # type: ignore[attr-defined]
        conn.execute("ALTER TABLE audit DISABLE TRIGGER audit_insert_only")
        conn.execute("UPDATE audit SET entry = replace(entry, '/evidence/1', '/evidence/9') WHERE seq = 2")
    result = cli(home, "audit", "verify", env=team)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["Entry 2 was changed after it was written.", "3 entries; BROKEN"]
    assert one_error_line(result.stderr) == (
        "error: The audit log was altered: Entry 2 was changed after it was written."
    )
