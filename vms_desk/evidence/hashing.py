"""SHA-256 of files on disk, read in blocks (never whole into memory).

Large files are read with O_DIRECT where the OS has it (Linux): straight from the disk into aligned
buffers, one read ahead of the hashing, so a verification checks what the disk holds rather than
the page cache. The downloader writes large files the same way (jobs.sink), so right after a
download the page cache does not hold them; reading them through it would cost a page-cache fill
that O_DIRECT skips (on the benchmark VM, 1.3 s of CPU per GiB). Elsewhere files are read normally.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import queue
import sys
import threading
from pathlib import Path

BLOCK = 1024 * 1024
DIRECT_BLOCK = 8 * 1024 * 1024
DIRECT_MIN_BYTES = 16 * 1024 * 1024  # smaller files: the page cache serves them fine (maybe still dirty)
DIRECT_IO = sys.platform.startswith("linux") and hasattr(os, "O_DIRECT")


def sha256_file(path: Path, *, block: int = BLOCK) -> tuple[int, str]:
    """(size, SHA-256 hex) of the file; blocking: run it in a thread from async code."""
    if DIRECT_IO and path.stat().st_size >= DIRECT_MIN_BYTES:
        result = _sha256_direct(path)
        if result is not None:
            return result
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _sha256_direct(path: Path) -> tuple[int, str] | None:
    """Read with O_DIRECT, a thread reading the next block while this one hashes; None where refused."""
    if sys.platform == "win32":  # no O_DIRECT or readv there (DIRECT_IO is False; this tells mypy)
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # this file system has no O_DIRECT: read normally
            return None
        raise
    free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
    full: queue.SimpleQueue[tuple[mmap.mmap, int] | BaseException] = queue.SimpleQueue()
    for _ in range(3):
        free.put(mmap.mmap(-1, DIRECT_BLOCK))  # anonymous maps are page-aligned, as O_DIRECT needs

    stop = threading.Event()

    def read_ahead() -> None:
        try:
            while True:
                buffer = free.get()
                if stop.is_set():
                    return
                count = os.readv(fd, [buffer])
                full.put((buffer, count))
                if not count:
                    return
        except BaseException as exc:  # handed to the hashing side, which raises it
            full.put(exc)

    reader = threading.Thread(target=read_ahead, name="vms_desk-verify", daemon=True)
    reader.start()
    digest, size = hashlib.sha256(), 0
    try:
        while True:
            item = full.get()
            if isinstance(item, BaseException):
                if isinstance(item, OSError) and item.errno == errno.EINVAL and not size:
                    return None  # opened, but the reads are refused: read normally
                raise item
            buffer, count = item
            if not count:
                return size, digest.hexdigest()
            digest.update(memoryview(buffer)[:count])
            size += count
            free.put(buffer)
    finally:
        stop.set()
        free.put(mmap.mmap(-1, mmap.PAGESIZE))  # wakes the reader if it waits for a buffer
        reader.join()
        os.close(fd)
