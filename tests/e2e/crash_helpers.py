"""Killing `vms-desk` for real: subprocesses, a read-only look at their job store, served-file capture."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli_helpers import SCRIPT

POLL = 0.02  # how often the store is looked at while waiting for a phase


@dataclass
class Job:
    """One row of the job store, as another process sees it."""

    id: str
    state: str
    handle: dict[str, Any] | None
    evidence_dir: Path | None


def look(home: Path) -> Job | None:
    """The single job in VMS_DESK_HOME's store (read-only), or None before it exists."""
    path = home / "jobs.sqlite3"
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT id, state, handle, evidence_dir FROM jobs").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None  # the database is being created
    if row is None:
        return None
    return Job(row[0], row[1], json.loads(row[2]) if row[2] else None, Path(row[3]) if row[3] else None)


class Run:
    """`vms-desk ARGS` in the background with its output in files (a pipe could fill and block it)."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
        self.out = home / f"run-{time.monotonic_ns()}.out"
        self.err = self.out.with_suffix(".err")
        env = {**os.environ, "VMS_DESK_HOME": str(home), "PW": "demo", **(env or {})}
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen([*command, *args], stdout=out, stderr=err, env=env)

    def output(self) -> str:
        """What it wrote on stdout and stderr, for assertion messages."""
        return self.out.read_text() + self.err.read_text()

    def kill(self) -> None:
        """SIGKILL (TerminateProcess on Windows), then reap it (a zombie still has its PID)."""
        self.proc.kill()
        self.proc.wait(timeout=10)
        if os.name == "posix":
            assert self.proc.returncode == -signal.SIGKILL, f"it was not killed: {self.output()}"

    def finish(self, timeout: float = 30) -> Any:
        """Wait for the end; its stdout as JSON."""
        code = self.proc.wait(timeout=timeout)
        assert code == 0, self.output()
        return json.loads(self.out.read_text())

    def wait_for(self, home: Path, ready: Callable[[Job], bool], what: str, timeout: float = 15) -> Job:
        """Watch the store until `ready(job)`; fails if the process ends first or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = look(home)
            if job is not None and ready(job):
                return job
            if self.proc.poll() is not None:
                raise AssertionError(f"vms-desk ended before {what}: {job}\n{self.output()}")
            time.sleep(POLL)
        raise AssertionError(f"no {what} within {timeout} s: {look(home)}")


def part_bytes(job: Job) -> int:
    """Bytes in the job's `.part` file(s) on disk."""
    if job.evidence_dir is None or not job.evidence_dir.is_dir():
        return 0
    return sum(p.stat().st_size for p in job.evidence_dir.glob("*.part"))


def sha256(path: Path) -> str:
    """SHA-256 of a file, computed here (independently of vms_desk's hashing)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def served_files(workdir: Path, keep: Path) -> Iterator[Path]:
    """Hard-link every file a simulator makes for its exports into `keep`, so that what it served
    can be hashed after the export is released (deleted) on the server."""
    keep.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def snapshot() -> None:
        for path in workdir.glob("export-*/*"):
            link = keep / path.parent.name / path.name
            if path.is_file() and not link.exists():
                link.parent.mkdir(exist_ok=True)
                with contextlib.suppress(OSError):  # deleted meanwhile, or linked already
                    os.link(path, link)

    def watch() -> None:
        while not stop.wait(0.02):
            snapshot()

    thread = threading.Thread(target=watch, daemon=True, name="served-files")
    thread.start()
    try:
        yield keep
    finally:
        stop.set()
        thread.join(5)
