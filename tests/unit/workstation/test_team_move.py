"""Moving a workstation into a team store in batches: every row once, whatever the batch size, and nothing
while the workstation still runs jobs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from records_helpers import new_record

from vms_desk.cases.book import CaseBook
from vms_desk.core.errors import VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.custody.case import case_audit
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs.owner import new_owner
from vms_desk.jobs.store import JobStore
from vms_desk.store import audit_chain
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.open import open_database
from vms_desk.store.postgres import PostgresDatabase
from vms_desk.workstation import team_move
from vms_desk.workstation.root import Workstation
from vms_desk.workstation.team_move import move_to_team


def test_small_batches_copy_every_row_once(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(team_move, "BATCH", 2)
    monkeypatch.setattr(audit_chain, "IMPORT_BATCH", 2)
    home = tmp_path / "home"
    store = JobStore(home / "jobs.sqlite3")
    audit = AuditLog(home)
    book = CaseBook(store.db, audit)
    for n in range(3):
        book.new(f"C-{n}", by="ann")
    for n in range(5):
        job = store.add(new_record(tmp_path, camera_name=f"cam {n}"))
        store.move(job.id, JobState.CANCELLED, "not needed")
    source = home / "jobs.sqlite3"

    first = move_to_team(home, source, pg_url)
    assert (first.jobs_copied, first.events_copied, first.cases_copied, first.audit_copied) == (5, 10, 3, 3)
    again = move_to_team(home, source, pg_url)
    assert (again.jobs_copied, again.jobs_present, again.cases_present, again.audit_present) == (0, 5, 3, 3)
    team = JobStore(open_database(pg_url))
    assert team.jobs() == store.jobs()
    assert sorted(c.number for c in CaseBook(team.db, TeamAuditLog(team.db)).cases()) == ["C-0", "C-1", "C-2"]
    assert TeamAuditLog(team.db).verify().entries == 3


def test_nothing_is_copied_while_the_workstation_runs_a_job(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "home"
    store = JobStore(home / "jobs.sqlite3")
    job = store.add(new_record(tmp_path))
    store.move(job.id, JobState.SUBMITTING, "sent")
    assert store.claim(job.id, new_owner(), 30) is not None  # this very process runs it
    with pytest.raises(VmsDeskError, match=r"still running 1 job\(s\).*nothing was copied"):
        move_to_team(home, home / "jobs.sqlite3", pg_url)
    with PostgresDatabase(pg_url).read() as conn:
        assert conn.execute("SELECT to_regclass('jobs') AS t").fetchone()["t"] is None
    assert store.get(job.id).state is JobState.SUBMITTING  # left alone


def test_a_case_report_on_the_team_store_holds_the_history_brought_in(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    store = JobStore(home / "jobs.sqlite3")
    audit = AuditLog(home)
    CaseBook(store.db, audit).new("C-9", by="ann")
    job = store.add(new_record(tmp_path, case="C-9"))
    audit.record("export", "done", job_id=job.id)
    audit.record("verify", "ok", folder="/elsewhere")
    move_to_team(home, home / "jobs.sqlite3", pg_url)
    monkeypatch.setenv("VMS_DESK_STORE_URL", pg_url)
    workstation = Workstation.open(tmp_path / "team-home")
    try:
        workstation.audit.record("annotate", "noted", case="C-9", note="seen")
        found = case_audit("C-9", workstation.store.jobs(), workstation.audit.entries())
    finally:
        asyncio.run(workstation.aclose())
    assert [(e["action"], e["outcome"]) for e in found] == [
        ("case", "created"),
        ("export", "done"),
        ("annotate", "noted"),
    ]
    assert found[:2] == audit.entries()[:2]  # the workstation's own entries, as they were


def test_jobs_that_name_no_workstation_arrive_as_the_moving_workstations(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "home"
    store = JobStore(home / "jobs.sqlite3")
    old = store.add(new_record(tmp_path, JobState.CANCELLED))  # from before workstations were recorded
    named = store.add(new_record(tmp_path, JobState.CANCELLED, workstation="ws-old"))
    move_to_team(home, home / "jobs.sqlite3", pg_url, workstation="ws-7")
    team = JobStore(open_database(pg_url))
    assert team.get(old.id).workstation == "ws-7"  # only ws-7 may retry it on the team store
    assert team.get(named.id).workstation == "ws-old"
    assert store.get(old.id).workstation == ""  # the workstation's own store is left as it was
