"""A job's audit entry waits out an audit log another process keeps locked, instead of being lost.

Eight exports ending together on a saturated disk held the audit file's lock past its 10 s wait; the
entry was then dropped with a warning. Here another process really holds the lock. An entry that waited
too long is kept in the home and written at the next start, once, with the time it happened.
"""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from vms_desk.evidence import audit as audit_module
from vms_desk.evidence import filelock
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs import auditing
from vms_desk.jobs.auditing import record_patiently

HOLD = (
    "import sys, time; from pathlib import Path; from vms_desk.evidence.filelock import locked\n"
    "with locked(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the audit log's lock for `seconds`, once it said so."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    """The file audit log, waiting 0.1 s for its lock where the app waits 10 s."""
    monkeypatch.setattr(audit_module, "locked", functools.partial(filelock.locked, timeout=0.1))
    return AuditLog(tmp_path)


def test_an_entry_waits_until_the_lock_is_free(log: AuditLog) -> None:
    holder = _hold(log.lock_path, 1.0)
    try:
        assert record_patiently(log, "export", "done", job_id="j1")
    finally:
        holder.wait(10)
    assert [(e["action"], e["outcome"], e["job_id"]) for e in log.entries()] == [("export", "done", "j1")]
    assert log.verify().ok


def test_an_entry_given_up_is_in_the_log_file_whole(
    log: AuditLog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(auditing, "AUDIT_PATIENCE", 0.3)
    holder = _hold(log.lock_path, 3.0)
    try:
        with caplog.at_level(logging.ERROR, logger=auditing.__name__):
            assert not record_patiently(log, "export", "failed", job_id="j2", case="C-9")
    finally:
        holder.kill()
        holder.wait(10)
    assert log.entries() == []
    assert '"action": "export", "outcome": "failed", "job_id": "j2", "case": "C-9"' in caplog.text


def test_an_entry_kept_aside_is_written_at_the_next_start_once(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vms_desk.evidence import audit_spool
    from vms_desk.workstation.root import Workstation

    monkeypatch.setattr(audit_module, "locked", functools.partial(filelock.locked, timeout=0.1))
    monkeypatch.setattr(auditing, "AUDIT_PATIENCE", 0.3)
    log = AuditLog(home)
    holder = _hold(log.lock_path, 3.0)
    try:
        assert not record_patiently(log, "export", "done", keep_in=home, job_id="j3", case="C-1")
    finally:
        holder.kill()
        holder.wait(10)
    pending = (home / audit_spool.SPOOL_NAME).read_bytes()
    assert log.entries() == []
    Workstation.open(home)  # the next start
    (entry,) = log.entries()
    assert (entry["action"], entry["outcome"], entry["job_id"], entry["case"]) == (
        "export",
        "done",
        "j3",
        "C-1",
    )
    assert entry["happened"].endswith("Z")
    assert entry["spool_id"]
    assert not (home / audit_spool.SPOOL_NAME).exists()
    # A crash between writing the entry and clearing the file: the next replay writes nothing twice.
    (home / audit_spool.SPOOL_NAME).write_bytes(pending + b'{"id": "cut sh')
    assert audit_spool.replay(home, log) == 0
    assert len(log.entries()) == 1
    assert log.verify().ok
    assert not (home / audit_spool.SPOOL_NAME).exists()


def test_pending_entries_the_log_still_cannot_take_wait_for_the_next_start(
    log: AuditLog, tmp_path: Path
) -> None:
    from vms_desk.evidence import audit_spool

    audit_spool.keep(tmp_path, "export", "done", {"job_id": "a"})
    audit_spool.keep(tmp_path, "export", "failed", {"job_id": "b"})
    holder = _hold(log.lock_path, 1.0)
    try:
        assert audit_spool.replay(tmp_path, log) == 0
    finally:
        holder.wait(10)
    assert len((tmp_path / audit_spool.SPOOL_NAME).read_bytes().splitlines()) == 2
    assert audit_spool.replay(tmp_path, log) == 2
    assert [e["job_id"] for e in log.entries()] == ["a", "b"]
