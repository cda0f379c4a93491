"""Exports that keep running after the window closes, and the next window taking them back.

When the user closes the window with exports running and chooses to keep them running, the engine
process stays on by itself (engine_service) and says so with a file in the home's `run` folder,
`engine-<pid>.json`. The next window, before it starts its own engine process, asks each such engine to
hand its jobs over (a `engine-<pid>.handover` file beside it): that engine stops as at any close, so its
running jobs become `interrupted` with their partial files, and the new engine resumes them where they
stopped (the same path as after a crash, tested for every vendor). An engine that does not end within
HANDOVER_SECONDS is ended by force, which is as durable: its owner id names a dead process at once.

Files, not a socket: both sides only ever need "I am here" and "please hand over", the home folder is
the user's own, and nothing listens on a port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vms_desk.custody.files import write_json_atomic
from vms_desk.jobs.owner import owner_alive

log = logging.getLogger(__name__)

HANDOVER_SECONDS = 30.0  # an engine stops within seconds (jobs interrupted); then it is ended by force
LOOK_SECONDS = 0.25  # how often a detached engine looks for a handover request


@dataclass(frozen=True)
class DetachedEngine:
    """An engine process that kept exports running after its window closed."""

    pid: int
    owner: str
    since: datetime
    jobs: int

    def alive(self) -> bool:
        """True while that process runs (its owner id names it, start time included)."""
        return owner_alive(self.owner) is not False


def run_dir(home: Path) -> Path:
    """Where engines say they run on their own."""
    return home / "run"


def _announcement(home: Path, pid: int) -> Path:
    return run_dir(home) / f"engine-{pid}.json"


def _request(home: Path, pid: int) -> Path:
    return run_dir(home) / f"engine-{pid}.handover"


def announce(home: Path, pid: int, owner: str, jobs: int) -> None:
    """Say that the engine process `pid` runs on without a window (never half a file)."""
    run_dir(home).mkdir(parents=True, exist_ok=True)
    since = datetime.now(UTC).isoformat(timespec="seconds")
    write_json_atomic(_announcement(home, pid), {"pid": pid, "owner": owner, "since": since, "jobs": jobs})


def withdraw(home: Path, pid: int) -> None:
    """The engine process `pid` is ending: forget its announcement and any request to it."""
    for path in (_announcement(home, pid), _request(home, pid)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def handover_requested(home: Path, pid: int) -> bool:
    """True when a new window asked the engine process `pid` to hand its jobs over."""
    return _request(home, pid).exists()


def detached_engines(home: Path) -> list[DetachedEngine]:
    """The engines running on without a window; announcements of processes that are gone are removed."""
    found = []
    folder = run_dir(home)
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("engine-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            engine = DetachedEngine(
                pid=int(data["pid"]),
                owner=str(data["owner"]),
                since=datetime.fromisoformat(str(data["since"])),
                jobs=int(data.get("jobs", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring an unreadable engine announcement %s: %s", path.name, exc)
            continue
        if engine.alive():
            found.append(engine)
        else:
            withdraw(home, engine.pid)
    return found


async def take_over(home: Path, wait_seconds: float = HANDOVER_SECONDS) -> list[DetachedEngine]:
    """Ask every detached engine to hand over and wait until each has ended (ending it by force after
    `wait_seconds`); returns those that were asked. Their running jobs are then `interrupted`."""
    engines = detached_engines(home)
    for engine in engines:
        log.info("asking engine process %d (running on since %s) to hand over", engine.pid, engine.since)
        with contextlib.suppress(OSError):
            _request(home, engine.pid).touch()
    deadline = asyncio.get_running_loop().time() + wait_seconds
    for engine in engines:
        if not await _ended(engine, deadline):
            log.error("engine process %d did not hand over in %.0f s; ending it", engine.pid, wait_seconds)
            end_process(engine.pid)
            await _ended(engine, asyncio.get_running_loop().time() + 5.0)
        withdraw(home, engine.pid)
    return engines


async def _ended(engine: DetachedEngine, deadline: float) -> bool:
    """Wait until `engine`'s process has ended (True), or until `deadline` on the loop's clock (False).
    A process of no relation to this one can only be looked at, not waited for."""
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        if not engine.alive():
            return True
        await asyncio.sleep(0.1)
    return not engine.alive()


def end_process(pid: int) -> None:
    """End `pid` at once (SIGKILL; on Windows os.kill terminates the process)."""
    kill = signal.SIGTERM if sys.platform == "win32" else getattr(signal, "SIGKILL", signal.SIGTERM)
    with contextlib.suppress(OSError):
        os.kill(pid, kill)
