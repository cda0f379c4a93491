"""The team store's listener against a real PostgreSQL: another process's write arrives within a second,
a batch is one call, an outage is reported and followed by a re-read once the server is back, and
stop() is prompt whatever the server does."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from records_helpers import new_record

from vms_desk.core.errors import StorageError
from vms_desk.jobs.store import JOBS_CHANNEL, JobStore
from vms_desk.store.database import StoreUnreachable
from vms_desk.store.listen import JobListener
from vms_desk.store.postgres import PostgresDatabase

ROOT = Path(__file__).resolve().parents[3]
# Another workstation: its own process and connection; prints the job id and when its write committed.
WRITER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from records_helpers import new_record
from vms_desk.jobs.store import JobStore
from vms_desk.store.open import open_database
store = JobStore(open_database(sys.argv[1]))
record = store.add(new_record(Path(sys.argv[2])), "queued elsewhere")
print(record.id, time.time(), flush=True)
"""


class Heard:
    """The listener's two callbacks, as queues with the time each call arrived."""

    def __init__(self) -> None:
        self.changed: queue.Queue[tuple[float, frozenset[str] | None]] = queue.Queue()
        self.states: queue.Queue[StorageError | None] = queue.Queue()

    def on_changed(self, ids: frozenset[str] | None) -> None:
        self.changed.put((time.time(), ids))

    def on_state(self, error: StorageError | None) -> None:
        self.states.put(error)

    def next_ids(self, timeout: float = 5.0) -> tuple[float, frozenset[str] | None]:
        return self.changed.get(timeout=timeout)


@pytest.fixture
def listening(pg_url: str) -> Any:
    db = PostgresDatabase(pg_url)
    JobStore(db)
    heard = Heard()
    listener = JobListener(db, JOBS_CHANNEL, heard.on_changed, heard.on_state, max_backoff=0.5)
    listener.start()
    assert heard.next_ids()[1] is None  # listening: whatever happened before must be read again
    yield db, listener, heard
    listener.stop()


def test_a_write_in_another_process_reaches_the_callback_within_a_second(
    listening: Any, pg_url: str, tmp_path: Path
) -> None:
    _db, listener, heard = listening
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, pg_url, str(tmp_path), str(ROOT / "tests")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    job_id, committed = done.stdout.split()
    arrived, ids = heard.next_ids()
    assert ids == frozenset({job_id})
    assert arrived - float(committed) < 1.0
    assert heard.states.empty()  # no outage to report
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < 1.0
    assert not listener.running


def test_jobs_changed_together_arrive_as_one_batch(listening: Any, tmp_path: Path) -> None:
    db, _listener, heard = listening
    store = JobStore(db)
    jobs = [store.add(new_record(tmp_path), "q") for _ in range(5)]
    seen: set[str] = set()
    while len(seen) < 5:  # the five adds, in however many batches they came
        seen |= heard.next_ids()[1] or frozenset()
    # One transaction changing all five is one call.
    store.update_many({j.id: {"progress": 0.5} for j in jobs})
    assert heard.next_ids()[1] == frozenset(j.id for j in jobs)
    store.add_many([new_record(tmp_path) for _ in range(3)])
    assert heard.next_ids()[1] is None  # a bulk import: re-read everything


def test_an_outage_is_reported_and_followed_by_a_re_read(
    listening: Any, postgres: Any, tmp_path: Path
) -> None:
    db, listener, heard = listening
    postgres.restart_after(1.5)  # blocks while the server is down
    lost = heard.states.get(timeout=5)
    assert isinstance(lost, StoreUnreachable)
    assert "is unreachable" in str(lost)
    assert heard.states.get(timeout=10) is None  # back
    assert heard.next_ids(10)[1] is None  # what changed meanwhile was not heard: re-read everything
    # The store's own connection, open before the outage, is replaced rather than failing once.
    record = JobStore(db).add(new_record(tmp_path), "after the outage")
    assert heard.next_ids()[1] == frozenset({record.id})
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < 1.0


def test_a_server_that_is_down_from_the_start_is_reported_and_stop_is_prompt(pg_url: str) -> None:
    db = PostgresDatabase(pg_url)
    # A port nobody listens on: refused at once, as a stopped server is.
    db.params = {**db.params, "port": "1"}
    heard = Heard()
    listener = JobListener(db, JOBS_CHANNEL, heard.on_changed, heard.on_state)
    listener.start()
    lost = heard.states.get(timeout=10)
    assert isinstance(lost, StoreUnreachable)
    assert heard.changed.empty()
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < 1.0
    assert not listener.running


def test_a_channel_name_is_checked() -> None:
    with pytest.raises(ValueError, match="channel"):
        JobListener(None, "jobs; DROP TABLE jobs", print, print)  # type: ignore[arg-type]
