"""Owner ids and liveness: a killed process's jobs are orphaned at once; other machines go by the lease."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jobs_helpers import new_record

from vms_desk.core.jobstate import JobState
from vms_desk.jobs import owner as owners
from vms_desk.jobs.owner import machine, new_owner, owner_alive, process_started
from vms_desk.jobs.store import JobStore

needs_proc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _owner_of(pid: int, started: str | None = None) -> str:
    started = process_started(pid) if started is None else started
    return f"{machine()}:{pid}:{started or ''}:abcd1234"


def test_this_process_is_alive_and_its_engines_are_told_apart() -> None:
    first, second = new_owner(), new_owner()
    assert first != second
    assert owner_alive(first) is True
    assert first.startswith(f"{machine()}:{os.getpid()}:")


def test_a_killed_process_is_dead_at_once_even_before_it_is_reaped() -> None:
    child = _child()
    try:
        owner = _owner_of(child.pid)
        assert owner_alive(owner) is True
        child.kill()
        if sys.platform.startswith("linux"):
            deadline = time.monotonic() + 5
            while owner_alive(owner) and time.monotonic() < deadline:  # a zombie until reaped
                time.sleep(0.01)
            assert owner_alive(owner) is False
    finally:
        child.wait()
    assert owner_alive(owner) is False


@needs_proc
def test_a_reused_pid_is_not_the_owner() -> None:
    # The parent (pytest's shell or runner) is alive, but it is not the process that started at tick 1.
    assert owner_alive(_owner_of(os.getppid(), started="00000000-1")) is False
    assert owner_alive(_owner_of(os.getppid())) is True


def test_what_this_machine_cannot_tell_is_left_to_the_lease() -> None:
    assert owner_alive("another-pc:1234:1-2:abcd1234") is None
    assert owner_alive("gui") is None
    assert owner_alive(f"{machine()}:notapid:x:y") is None
    # The earlier form without a start time: the PID alone decides.
    assert owner_alive(f"{machine()}:{os.getpid()}:abcd1234") is True


def test_the_store_sees_a_dead_owner_at_once_and_keeps_the_lease_for_others(
    store: JobStore, tmp_path: Path
) -> None:
    child = _child()
    dead_owner = _owner_of(child.pid)
    child.kill()
    child.wait()
    # Fresh leases all round: only the owner's liveness tells these apart.
    killed = store.add(new_record(tmp_path, JobState.DOWNLOADING, owner=dead_owner), "d", lease_seconds=60)
    remote = store.add(
        new_record(tmp_path, JobState.PROCESSING, owner="another-pc:1:2:x"), "p", lease_seconds=60
    )
    live = store.add(new_record(tmp_path, JobState.PROCESSING, owner=new_owner()), "p", lease_seconds=0.01)
    expired_remote = store.add(
        new_record(tmp_path, JobState.PROCESSING, owner="another-pc:1:2:y"), "p", lease_seconds=0.01
    )
    time.sleep(0.05)

    flipped = {r.id for r in store.mark_interrupted()}

    assert flipped == {killed.id, expired_remote.id}
    assert store.get(remote.id).state is JobState.PROCESSING  # another machine, lease fresh
    # Alive on this machine: its lease ran out (a hung heartbeat), yet taking its job over would
    # make two processes write one `.part`.
    assert store.get(live.id).state is JobState.PROCESSING
    assert store.claim(live.id, "someone-else", 30) is None
    assert store.claim(killed.id, new_owner(), 30) is not None


def test_claim_takes_a_job_from_a_dead_owner_with_a_fresh_lease(store: JobStore, tmp_path: Path) -> None:
    child = _child()
    dead_owner = _owner_of(child.pid)
    child.kill()
    child.wait()
    record = store.add(new_record(tmp_path, JobState.INTERRUPTED, owner=dead_owner), "i", lease_seconds=60)
    me = new_owner()
    claimed = store.claim(record.id, me, 30)
    assert claimed is not None
    assert claimed.owner == me
    assert store.claim(record.id, new_owner(), 30) is None  # now a live owner holds it


def test_machine_has_no_separator() -> None:
    assert owners.SEPARATOR not in machine()
