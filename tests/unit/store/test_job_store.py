"""The job store's behaviour, run on SQLite and on PostgreSQL: both engines must keep it the same."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from records_helpers import new_record

from vms_desk.core.jobstate import JobState, TransitionError
from vms_desk.core.protocol import ExportHandle
from vms_desk.jobs.records import FileRecord
from vms_desk.jobs.store import JobStore, UnknownJob
from vms_desk.store.open import open_database


def test_round_trip_and_checked_transitions(store: JobStore, tmp_path: Path) -> None:
    record = store.add(new_record(tmp_path), "Queued.")
    assert store.get(record.id) == record
    handle = ExportHandle(export_ids=("e1",), data={"k": 1})
    store.move(record.id, JobState.SUBMITTING, "submitting")
    moved = store.move(record.id, JobState.PROCESSING, "accepted", handle=handle)
    assert moved.handle == handle
    assert moved.updated >= record.updated
    with pytest.raises(TransitionError):
        store.move(record.id, JobState.DONE, "skipping steps")
    assert store.get(record.id).state is JobState.PROCESSING  # the refused move changed nothing
    files = (FileRecord(name="a.mkv", size=3, sha256="ab" * 32),)
    assert store.update(record.id, files=files, bytes_done=3).files == files
    events = store.events(record.id)
    assert [(e.state, e.detail) for e in events] == [
        (JobState.QUEUED, "Queued."),
        (JobState.SUBMITTING, "submitting"),
        (JobState.PROCESSING, "accepted"),
    ]
    with pytest.raises(ValueError, match="cannot update"):
        store.update(record.id, state=JobState.DONE)
    with pytest.raises(UnknownJob):
        store.get("nope")


def test_remove_deletes_events(store: JobStore, tmp_path: Path) -> None:
    record = store.add(new_record(tmp_path), "q")
    store.remove(record.id)
    assert store.jobs() == []
    assert store.events(record.id) == []
    with pytest.raises(UnknownJob):
        store.remove(record.id)


def test_mark_interrupted_flips_only_orphaned_unfinished_jobs(store: JobStore, tmp_path: Path) -> None:
    orphan = store.add(new_record(tmp_path, JobState.DOWNLOADING), "was downloading")  # no lease
    expired = store.add(new_record(tmp_path, JobState.PROCESSING), "p", lease_seconds=0.01)
    alive = store.add(new_record(tmp_path, JobState.PROCESSING, owner="gui"), "p", lease_seconds=60)
    done = store.add(new_record(tmp_path, JobState.DONE), "done")
    time.sleep(0.05)
    flipped = store.mark_interrupted()
    assert {r.id for r in flipped} == {orphan.id, expired.id}
    assert store.get(orphan.id).state is JobState.INTERRUPTED
    assert store.get(alive.id).state is JobState.PROCESSING  # another live process runs it
    assert store.get(done.id).state is JobState.DONE
    last = store.events(orphan.id)[-1]
    assert last.state is JobState.INTERRUPTED
    assert "downloading" in last.detail
    assert store.mark_interrupted() == []  # nothing left to flip


def test_claim_respects_live_owners(store: JobStore, tmp_path: Path) -> None:
    record = store.add(new_record(tmp_path, JobState.INTERRUPTED, owner="gui"), "i", lease_seconds=60)
    assert store.claim(record.id, "cli", 30) is None
    assert store.claim(record.id, "gui", 30) is not None
    store.release(record.id, "gui")
    claimed = store.claim(record.id, "cli", 30)
    assert claimed is not None
    assert claimed.owner == "cli"


def _hammer(url: str, job_id: str, count: int) -> None:
    store = JobStore(open_database(url))
    for n in range(count):
        store.update(job_id, bytes_done=n, progress=n / count)
        store.add_event(job_id, f"step {n}")


def test_two_processes_write_at_once(store: JobStore, store_url: str, tmp_path: Path) -> None:
    """The GUI and the CLI share the store: concurrent writers wait for each other, nobody fails."""
    first = store.add(new_record(tmp_path), "q")
    second = store.add(new_record(tmp_path), "q")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_hammer, args=(store_url, job, 60)) for job in (first.id, second.id)]
    for worker in workers:
        worker.start()
    reads = 0
    while any(w.is_alive() for w in workers):
        assert len(store.jobs()) == 2  # readers are never blocked by writers
        reads += 1
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    for job in (first.id, second.id):
        assert store.get(job).bytes_done == 59
        assert len(store.events(job)) == 61
    assert reads > 0
