"""The audit log's hash chain detects changed, removed, inserted and truncated lines."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from vms_desk.evidence.audit import AuditLog


def fill(home: Path, count: int = 4) -> AuditLog:
    log = AuditLog(home)
    for n in range(count):
        log.record(
            "export",
            "done",
            server={"vendor": "axis", "url": "http://cam"},
            camera=str(n),
            options={"password": "hunter2", "vc": 1},
        )
    return log


def test_fresh_log_verifies(tmp_path: Path) -> None:
    log = fill(tmp_path)
    report = log.verify()
    assert report.ok, report.problems
    assert report.entries == 4
    assert [e["seq"] for e in log.entries()] == [1, 2, 3, 4]


def test_secrets_never_written(tmp_path: Path) -> None:
    log = fill(tmp_path)
    text = log.path.read_text(encoding="utf-8")
    assert "hunter2" not in text
    assert '"password":"***"' in text


def test_changed_line_is_detected(tmp_path: Path) -> None:
    log = fill(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"outcome":"done"', '"outcome":"failed"')
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = log.verify()
    assert not report.ok
    assert any("Line 2" in p and "changed" in p for p in report.problems)


def test_removed_line_is_detected(tmp_path: Path) -> None:
    log = fill(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    del lines[1]
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any("removed" in p for p in log.verify().problems)


def test_removed_tail_is_detected(tmp_path: Path) -> None:
    log = fill(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    log.path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert any("removed from the end" in p for p in log.verify().problems)


def test_rehashed_forgery_still_breaks_chain(tmp_path: Path) -> None:
    """Recomputing a changed line's own hash does not help: the next line's prev no longer matches."""
    import hashlib

    log = fill(tmp_path)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["outcome"] = "failed"
    body = {k: v for k, v in entry.items() if k != "hash"}
    entry["hash"] = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = log.verify().problems
    assert any("Line 3" in p for p in problems)


def test_unknown_action_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        AuditLog(tmp_path).record("format-disk", "done")


def _append(home: str) -> None:
    log = AuditLog(Path(home))
    for _ in range(20):
        log.record("verify", "ok")


def test_concurrent_writers_keep_the_chain(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append, args=(str(tmp_path),)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    report = AuditLog(tmp_path).verify()
    assert report.ok, report.problems
    assert report.entries == 60
