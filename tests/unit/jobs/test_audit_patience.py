"""A job's audit entry waits out an audit log another process keeps locked, instead of being lost.

Eight exports ending together on a saturated disk held the audit file's lock past its 10 s wait; the
entry was then dropped with a warning. Here another process really holds the lock.
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
