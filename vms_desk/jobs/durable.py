"""How much of a `.part` can be trusted after a crash: a small record next to it, the `.durable` file.

A killed process loses only the bytes it had not yet handed to the OS: everything it wrote is in the
file, from the OS's cache if not yet from the disk. A power cut or an OS crash loses that cache too,
and a part can come back at its full size with a tail of zeros or stale blocks; a resume would hash
that tail and splice the server's remaining bytes onto it. So the sink flushes the part to the disk
(fdatasync) every DURABLE_BYTES or DURABLE_SECONDS and then records, here, how many bytes that
flush covered, their SHA-256, and the OS boot it happened in. A resume keeps:

- the whole part when the record was written in this very boot (nothing the OS held was lost);
- after a restart of the OS, only the recorded bytes (the rest is cut off and fetched again);
- nothing when there is no usable record (a part from an older vms_desk, a record lost in the crash)
  or the part is shorter than its record (it was changed, or the disk lost bytes it had confirmed).

The kept bytes are re-hashed anyway; the recorded SHA-256 is checked on the way, so a disk that
confirmed a flush it did not do (or a part changed by someone) restarts the download instead of
going on from wrong bytes.

Why a file next to the part rather than the job store: the record must describe that very file (it
is made, renamed and deleted with it, by the downloader, which also runs without a job), and it is
written as often as the part is flushed without touching the store's lock. Why no hash state: hashlib
cannot save one, and re-reading the kept bytes is what checks them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vms_desk.jobs.priority import worker_thread

log = logging.getLogger(__name__)

DURABLE_BYTES = 64 * 1024 * 1024  # flush the part to the disk at least every this many bytes...
DURABLE_SECONDS = 2.0  # ...and at least this often while bytes arrive, so a slow download loses little
RECORD_SUFFIX = ".durable"
TEMP_SUFFIX = ".tmp"
LEFTOVER_SUFFIXES = (RECORD_SUFFIX, RECORD_SUFFIX + TEMP_SUFFIX)  # next to a part; deleted with it
# Windows has no boot id: a boot is told by its start time (wall clock minus uptime), which moves by
# the clock's corrections. Two readings closer than this are one boot (a choice: a reboot cannot
# start within seconds of the boot it ends, unless the clock was set back by about that session's
# length); a corrected clock only makes a resume keep less (the recorded bytes).
BOOT_SLACK_SECONDS = 2


@dataclass(frozen=True)
class Record:
    """The first `size` bytes of a part were on the disk, hashing to `sha256`, during boot `boot`."""

    size: int
    sha256: str
    boot: str


@dataclass(frozen=True)
class Trust:
    """What a resume keeps of a part: its first `keep` bytes, `check`ed while re-hashed; `why` says
    why bytes on disk are dropped ('' when none are)."""

    keep: int
    check: Record | None
    why: str = ""


def record_path(part: Path) -> Path:
    """Where the record of `part` is."""
    return part.with_name(part.name + RECORD_SUFFIX)


def write_record(part: Path, record: Record) -> None:
    """Replace the record atomically; flushed, so that a rename the disk kept never shows an empty file.

    Called only once the bytes it counts are on the disk (fdatasync), so any version of it that
    survives a crash is true of the part, unless the part was cut since, which its SHA-256 reveals.
    """
    path = record_path(part)
    temp = path.with_name(path.name + TEMP_SUFFIX)
    text = json.dumps({"bytes": record.size, "sha256": record.sha256, "boot": record.boot})
    with temp.open("w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def read_record(part: Path) -> Record | None:
    """The part's record, or None when there is none or it cannot be read (then nothing is trusted)."""
    try:
        data = json.loads(record_path(part).read_text(encoding="ascii"))
        size, digest, boot = data["bytes"], data["sha256"], data["boot"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if type(size) is not int or size < 0 or not isinstance(digest, str) or not isinstance(boot, str):
        return None
    return Record(size=size, sha256=digest, boot=boot)


def remove_record(part: Path) -> None:
    """Delete the part's record (the part is complete under its final name, or gone)."""
    for suffix in LEFTOVER_SUFFIXES:
        with contextlib.suppress(OSError):
            part.with_name(part.name + suffix).unlink()


def trusted(part: Path, boot: str | None = None) -> Trust:
    """How much of `part` (as an interrupted run left it) a resume may keep; see the module docstring."""
    try:
        size = part.stat().st_size
    except OSError:
        return Trust(keep=0, check=None)
    if not size:
        return Trust(keep=0, check=None)
    record = read_record(part)
    if record is None:
        why = "No record says how much of the partial file reached the disk: it is downloaded again."
        return Trust(keep=0, check=None, why=why)
    if record.size > size:
        why = (
            f"The partial file is shorter ({size} bytes) than the {record.size} bytes recorded as on the "
            "disk (it was changed, or the disk lost data): it is downloaded again."
        )
        return Trust(keep=0, check=None, why=why)
    if same_boot(record.boot, boot if boot is not None else current_boot()):
        return Trust(keep=size, check=record)
    why = ""
    if record.size < size:
        why = (
            f"The computer restarted since the partial file was written: only its first {record.size} "
            f"bytes, known to be on the disk, are kept; the last {size - record.size} are fetched again."
        )
    return Trust(keep=record.size, check=record, why=why)


def same_boot(recorded: str, current: str) -> bool:
    """True when both name the same boot of the OS (never when either is unknown)."""
    if not recorded or not current:
        return False
    if recorded.startswith("win:") and current.startswith("win:"):
        try:
            return abs(int(recorded[4:]) - int(current[4:])) <= BOOT_SLACK_SECONDS
        except ValueError:
            return False
    return recorded == current


@lru_cache(maxsize=1)
def current_boot() -> str:
    """This boot of the OS as records name it; '' where it cannot be told (then only flushed bytes
    are ever kept)."""
    if sys.platform.startswith("linux"):
        try:
            return "linux:" + Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        except OSError:
            return ""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.GetTickCount64.restype = ctypes.c_uint64  # milliseconds since boot, sleep included
        uptime_ms: int = kernel32.GetTickCount64()
        return f"win:{round(time.time() - uptime_ms / 1000)}"
    return ""


class Checkpoint:
    """One flush of the part: its first `size` bytes, their SHA-256 once hashed, and whether flushed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.digest = ""
        self.flushed = False
        self.waiting = 2  # for the hash stage and for the flush


class Flusher:
    """Flushes the part to the disk at checkpoints, on a thread of its own so that the writes go on
    meanwhile (a writer that waited for each flush lost ~30% of its speed where writes go through the
    OS's cache), and records each checkpoint once it is both flushed and hashed."""

    def __init__(self, part: Path, sync: Callable[[], None], boot: str, size: int) -> None:
        self.part, self.sync, self.boot = part, sync, boot
        self.failure: BaseException | None = None  # a failed flush: the download must stop
        self._marked, self._marked_at = size, time.monotonic()  # the last checkpoint
        self._recorded = size
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[Checkpoint | None] = queue.SimpleQueue()
        self._thread = worker_thread(self._run, name="vms_desk-flush")
        self._thread.start()

    def due(self, size: int) -> Checkpoint | None:
        """(the producer) A checkpoint at `size` bytes submitted, when one is due."""
        now = time.monotonic()
        if size - self._marked < DURABLE_BYTES and now - self._marked_at < DURABLE_SECONDS:
            return None
        self._marked, self._marked_at = size, now
        return Checkpoint(size)

    def hashed(self, checkpoint: Checkpoint, digest: str) -> None:
        """(the hash stage) The part's first `checkpoint.size` bytes hash to `digest`."""
        checkpoint.digest = digest
        self._done(checkpoint)

    def written(self, checkpoint: Checkpoint) -> None:
        """(the write stage) The part's first `checkpoint.size` bytes are in the file: flush them."""
        self._jobs.put(checkpoint)

    def close(self) -> None:
        """Finish the flushes asked for and stop the thread (before the file is closed)."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (checkpoint := self._jobs.get()) is not None:
            if self.failure is None:
                try:
                    self.sync()
                    checkpoint.flushed = True
                except BaseException as exc:  # kept for the producer, like a failed write
                    self.failure = exc
            self._done(checkpoint)

    def _done(self, checkpoint: Checkpoint) -> None:
        with self._lock:  # also keeps records in order: the stages may finish a checkpoint in either
            checkpoint.waiting -= 1
            if checkpoint.waiting or not checkpoint.flushed or self.failure is not None:
                return
            if checkpoint.size <= self._recorded:
                return
            try:
                write_record(self.part, Record(checkpoint.size, checkpoint.digest, self.boot))
            except OSError as exc:
                # The older record stays, and stays true: a resume after a power cut keeps less, that
                # is all. (On Windows a virus scanner holding the file for a moment does this.)
                log.warning("the record of %s was not updated: %r", self.part.name, exc)
                return
            self._recorded = checkpoint.size
