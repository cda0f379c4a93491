"""roles.sql with real roles on a real server: the owner migrates, the workstation role works the queue
and appends to the audit chain, and can neither change nor remove an audit row, nor change the schema."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pg_server import SUPERUSER, SUPERUSER_PASSWORD
from records_helpers import new_record

from vms_desk.cases.book import CaseBook
from vms_desk.cases.rules import CaseStatus
from vms_desk.cli import main
from vms_desk.core.errors import StorageError
from vms_desk.core.jobstate import JobState
from vms_desk.jobs.store import JobStore
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.postgres import PostgresDatabase

_names = itertools.count(1)


def roles_sql(capsys: pytest.CaptureFixture[str]) -> str:
    """What `vms-desk store roles` prints (the file a DBA pipes to psql)."""
    assert main(["store", "roles"]) == 0
    return capsys.readouterr().out


def psql(postgres: Any, script: str, **variables: str) -> str:
    """Run `script` through psql as the superuser, as a DBA would; its output."""
    args = [str(postgres.bindir / "psql"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", SUPERUSER]
    args += ["-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    result = subprocess.run(
        args,
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PGPASSWORD": SUPERUSER_PASSWORD},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused_by_grant(call: Any) -> StorageError:
    """`call` fails for want of a privilege (SQLSTATE 42501), not for another reason such as a trigger."""
    with pytest.raises(StorageError) as caught:
        call()
    assert getattr(caught.value.__cause__, "sqlstate", None) == "42501", caught.value.detail
    return caught.value


def test_the_workstation_role_works_the_queue_and_only_appends_to_the_audit_chain(
    postgres: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    n = f"{os.getpid()}_{next(_names)}"
    names = {"database": f"team_{n}", "owner": f"owner_{n}", "workstation": f"ws_{n}"}
    script = roles_sql(capsys)
    assert "GRANT SELECT, INSERT ON audit" in script

    first = psql(postgres, script, **names)
    assert "run this script again" in first
    with postgres.admin() as conn:
        conn.execute(f"ALTER ROLE \"{names['owner']}\" PASSWORD 'owner-pw'")
        conn.execute(f"ALTER ROLE \"{names['workstation']}\" PASSWORD 'ws-pw'")
    owner_url = postgres.url(names["database"], names["owner"])
    ws_url = postgres.url(names["database"], names["workstation"])

    # Before the owner has created the tables, the workstation is told who must.
    with pytest.raises(StorageError, match="open it once with the owner's login"):
        JobStore(PostgresDatabase(ws_url, password="ws-pw"))

    JobStore(PostgresDatabase(owner_url, password="owner-pw"))  # the owner's first start migrates
    assert "may now use" in psql(postgres, script, **names)

    # The workstation opens the migrated store although it may not create anything.
    db = PostgresDatabase(ws_url, password="ws-pw")
    store = JobStore(db)
    record = store.add(new_record(tmp_path))
    store.move(record.id, JobState.SUBMITTING, "sent")
    store.update(record.id, progress=0.5)
    assert store.claim(record.id, "ws-1", 30) is not None
    store.add_event(record.id, "a note")
    assert [e.state for e in store.events(record.id)] == [
        JobState.QUEUED,
        JobState.SUBMITTING,
        JobState.SUBMITTING,
    ]
    store.mark_interrupted()
    audit = TeamAuditLog(db)
    book = CaseBook(db, audit)
    book.new("C-1", by="ann")
    book.set_status("C-1", CaseStatus.CLOSED, by="ann")
    audit.record("verify", "ok", folder="x")
    store.remove(record.id)
    assert [e["action"] for e in audit.entries()] == ["case", "case", "verify"]
    assert audit.verify().ok

    # The audit chain: no UPDATE, DELETE or TRUNCATE grant, and no way round the trigger.
    for statement in (
        "UPDATE audit SET entry = '{}' WHERE seq = 1",
        "DELETE FROM audit WHERE seq = 3",
        "TRUNCATE audit",
        "ALTER TABLE audit DISABLE TRIGGER audit_insert_only",
        "CREATE TABLE mine (x integer)",
    ):

        def run(sql: str = statement) -> None:
            with db.write() as conn:
                conn.execute(sql)

        error = refused_by_grant(run)
        assert "does not allow this login" in str(error)
    assert audit.verify().entries == 3

    # Running the script again changes nothing that works.
    assert "may now use" in psql(postgres, script, **names)
    assert JobStore(PostgresDatabase(ws_url, password="ws-pw")).jobs() == []
