"""On a shared store each workstation resumes only its own jobs; a supervisor moves one elsewhere, audited;
and a dead workstation's job is marked interrupted by whichever engine is running."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from engine_helpers import make_engine
from records_helpers import new_record

from vms_desk.cases.book import CaseBook
from vms_desk.core.errors import InputError
from vms_desk.core.jobstate import JobState
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs import engine as engine_module
from vms_desk.jobs.credentials import fixed_credentials
from vms_desk.jobs.engine import JobBusy
from vms_desk.jobs.store import JobStore
from vms_desk.workstation.supervision import Supervision


def _engine(store: JobStore, http: httpx.AsyncClient, name: str) -> engine_module.Engine:
    return make_engine(store, http, fixed_credentials({}), workstation=name)  # type: ignore[no-any-return]


@pytest.mark.asyncio
async def test_only_the_workstation_that_queued_a_job_resumes_it_until_a_supervisor_moves_it(
    store: JobStore, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    theirs = store.add(new_record(tmp_path, JobState.INTERRUPTED, workstation="ws-a"), "i")
    mine = store.add(new_record(tmp_path, JobState.INTERRUPTED, workstation="ws-b"), "i")
    engine_b = _engine(store, http, "ws-b")
    assert [r.id for r in await engine_b.resume_interrupted(only={mine.id})] == [mine.id]
    assert await engine_b.resume_interrupted(only={theirs.id}) == []  # ws-a's files are on ws-a
    await engine_b.writer.call(store.move, theirs.id, JobState.FAILED, "gave up", error="x")
    with pytest.raises(JobBusy, match="belongs to workstation ws-a"):
        await engine_b.retry(theirs.id)
    audit = AuditLog(tmp_path)
    board = Supervision(store, CaseBook(store.db, audit), audit, "sup")
    moved = board.reassign_workstation(theirs.id, "ws-b", why="ws-a is broken")
    assert moved.workstation == "ws-b"
    assert "from workstation ws-a to ws-b (ws-a is broken)" in store.events(theirs.id)[-1].detail
    entry = audit.entries()[-1]
    assert (entry["action"], entry["was_workstation"], entry["workstation"]) == ("reassign", "ws-a", "ws-b")
    assert engine_b.owns(store.get(theirs.id))
    await engine_b.stop()


def test_a_running_job_cannot_be_moved(store: JobStore, tmp_path: Path) -> None:
    record = store.add(new_record(tmp_path, JobState.DOWNLOADING, workstation="ws-a"), "d")
    audit = AuditLog(tmp_path)
    board = Supervision(store, CaseBook(store.db, audit), audit, "sup")
    with pytest.raises(InputError, match="only an interrupted, failed or cancelled job"):
        board.reassign_workstation(record.id, "ws-b")
    with pytest.raises(InputError, match="Name the workstation"):
        board.reassign_workstation(record.id, "  ")
    assert audit.entries() == []


@pytest.mark.asyncio
async def test_a_running_engine_marks_a_dead_workstations_job_interrupted_when_its_lease_ends(
    store: JobStore, http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SWEEP_SECONDS", 0.1)
    # Another machine's owner id (this machine cannot see its process): only the lease counts.
    dead = store.add(
        new_record(tmp_path, JobState.DOWNLOADING, owner="other-host:42::abcd", workstation="ws-a"),
        "d",
        lease_seconds=0.5,
    )
    seen: list[JobState] = []
    engine_b = _engine(store, http, "ws-b")
    engine_b.add_listener(lambda r: seen.append(r.state) if r.id == dead.id else None)
    engine_b.start()
    await asyncio.sleep(0.3)
    assert store.get(dead.id).state is JobState.DOWNLOADING  # the lease still runs
    for _ in range(40):
        await asyncio.sleep(0.1)
        if store.get(dead.id).state is JobState.INTERRUPTED:
            break
    assert store.get(dead.id).state is JobState.INTERRUPTED
    assert JobState.INTERRUPTED in seen
    assert await engine_b.resume_interrupted() == []  # and ws-b does not take it
    await engine_b.stop()


@pytest.mark.asyncio
async def test_the_job_list_holds_this_workstations_jobs_on_a_team_store(
    store: JobStore, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    mine = store.add(new_record(tmp_path, JobState.QUEUED, workstation="ws-b"), "q")
    theirs = store.add(new_record(tmp_path, JobState.QUEUED, workstation="ws-a"), "q")
    engine_b = _engine(store, http, "ws-b")
    listed = [r.id for r in engine_b.jobs()]
    if store.db.engine == "sqlite":
        assert listed == [mine.id, theirs.id]  # its own store: everything in it
    else:
        assert listed == [mine.id]  # the team's jobs are the supervisor board's
    assert [r.id for r in store.jobs(workstation="ws-a")] == [theirs.id]
    await engine_b.stop()
