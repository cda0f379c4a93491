"""What differs between the engines is only how: the same schema, claims that never wait on a row another
workstation holds, and a sentence for every way a team store can fail."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from records_helpers import new_record

from vms_desk.cases.book import CaseBook
from vms_desk.cases.rules import CaseStatus
from vms_desk.core.errors import InputError, StorageError
from vms_desk.core.jobstate import JobState
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs.schema import MIGRATIONS, POSTGRES_MIGRATIONS
from vms_desk.jobs.store import JobStore
from vms_desk.store.database import Database, StoreUnreachable
from vms_desk.store.open import open_database, store_url
from vms_desk.store.postgres import PostgresDatabase


def _sqlite_columns(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")}
            for t in tables
            if not t.startswith("sqlite_")
        }


def _pg_columns(url: str) -> dict[str, set[str]]:
    db = PostgresDatabase(url)
    with db.read() as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        ).fetchall()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["table_name"], set()).add(row["column_name"])
    return found


def test_both_engines_have_the_same_tables_and_columns(tmp_path: Path, pg_url: str) -> None:
    assert len(MIGRATIONS) == len(POSTGRES_MIGRATIONS)
    JobStore(tmp_path / "jobs.sqlite3")
    JobStore(open_database(pg_url))
    assert _sqlite_columns(tmp_path / "jobs.sqlite3") == _pg_columns(pg_url)


def test_two_workstations_opening_a_new_team_store_at_once_migrate_it_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            JobStore(open_database(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with PostgresDatabase(pg_url).read() as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [
            {"version": len(POSTGRES_MIGRATIONS)}
        ]


def test_a_claim_skips_a_job_another_workstation_holds_instead_of_waiting(
    pg_url: str, tmp_path: Path, postgres: Any
) -> None:
    store = JobStore(open_database(pg_url))
    record = store.add(new_record(tmp_path, JobState.INTERRUPTED), "i")
    with postgres.admin(pg_url.rsplit("/", 1)[1]) as other, other.transaction():
        other.execute("SELECT 1 FROM jobs WHERE id = %s FOR UPDATE", (record.id,))
        started = time.monotonic()
        assert store.claim(record.id, "ws-b", 30) is None  # held elsewhere: skipped, not waited on
        assert time.monotonic() - started < 2
    claimed = store.claim(record.id, "ws-b", 30)
    assert claimed is not None
    assert claimed.owner == "ws-b"


def test_the_case_book_works_on_both_engines(database: Database, tmp_path: Path) -> None:
    audit = AuditLog(tmp_path)
    book = CaseBook(database, audit)
    book.new("2026-0042", title="Burglary", by="ana")
    book.set_status("2026-0042", CaseStatus.ON_HOLD, by="sup", why="waiting for the warrant")
    case = book.get("2026-0042")
    assert case.status is CaseStatus.ON_HOLD
    assert [c.number for c in book.cases()] == ["2026-0042"]
    with pytest.raises(InputError, match="exists already"):
        book.new("2026-0042", by="ana")
    assert [e["outcome"] for e in audit.entries()] == ["created", "on hold"]


def test_a_url_with_a_password_is_refused_with_where_the_password_goes() -> None:
    with pytest.raises(InputError, match=r"contains a password.*VMS_DESK_STORE_PASSWORD"):
        open_database("postgresql://ws:secret@db.example/vmsdesk")


def test_an_unknown_kind_of_url_is_refused() -> None:
    with pytest.raises(InputError, match="is not one vms_desk uses"):
        open_database("mysql://db.example/vmsdesk")


def test_the_environment_chooses_the_store_over_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMS_DESK_STORE_URL", raising=False)
    assert store_url("", tmp_path) == f"sqlite:///{(tmp_path / 'jobs.sqlite3').as_posix()}"
    assert store_url("postgresql://a/b", tmp_path) == "postgresql://a/b"
    monkeypatch.setenv("VMS_DESK_STORE_URL", "postgresql://team/c")
    assert store_url("postgresql://a/b", tmp_path) == "postgresql://team/c"


def test_an_unreachable_team_store_says_so_in_a_sentence_and_does_not_hang() -> None:
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    started = time.monotonic()
    with pytest.raises(StoreUnreachable, match="is unreachable") as caught:
        open_database(f"postgresql://ws@127.0.0.1:{port}/vmsdesk?connect_timeout=2")
    assert time.monotonic() - started < 10
    assert "127.0.0.1" in str(caught.value)


def test_a_wrong_password_is_refused_in_words(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_DESK_STORE_PASSWORD", "wrong")
    with pytest.raises(StorageError, match=r"refused.*password authentication failed") as caught:
        open_database(pg_url)
    assert not isinstance(caught.value, StoreUnreachable)
    assert "wrong" not in str(caught.value)


def test_a_store_that_goes_away_and_comes_back_is_used_again(
    postgres: Any, pg_url: str, tmp_path: Path
) -> None:
    store = JobStore(open_database(pg_url))
    record = store.add(new_record(tmp_path), "q")
    done = threading.Event()

    def restart() -> None:
        postgres.restart_after(1.0)
        done.set()

    thread = threading.Thread(target=restart)
    thread.start()
    time.sleep(0.3)
    with pytest.raises(StoreUnreachable):
        store.update(record.id, bytes_done=1)  # down: a sentence, and the connection is dropped
    thread.join()
    assert done.is_set()
    assert store.update(record.id, bytes_done=2).bytes_done == 2  # back: a new connection
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://ws@127.0.0.1:{postgres.port}/x", password="x", connect_timeout=2)
