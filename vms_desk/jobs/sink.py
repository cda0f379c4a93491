"""Where a download's bytes go: a few large buffers, hashed and written on two threads, in order.

A producer (the event loop copying network chunks, or a thread reading the socket) fills a buffer and
submits it; one thread hashes it while another writes it, then it is free again. Hashing (OpenSSL)
and writing release the GIL for the whole buffer, so the two run beside the network and each other,
and memory stays at BUFFERS x BUFFER_BYTES whatever the file size.

Where the OS has O_DIRECT (Linux), the aligned bulk of each buffer is written with it: the bytes go
from the buffer to the disk without a copy into the page cache, which the fsync before the rename
would have to flush anyway. On the 2-core VM of the benchmark that copy cost 0.5-2.5 s of CPU per GiB
(guest pages touched for the first time). The verification that follows reads large files back with
O_DIRECT too (evidence.hashing), so it checks what the disk holds and neither step pays for a page
cache fill. Unaligned edges (the end of the file, a resume from an odd size) go through the page
cache; file systems that refuse O_DIRECT, and other OSes, get ordinary writes with early writeback,
so that the final fsync finds little left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import mmap
import os
import queue
import sys
import threading
from pathlib import Path

from vms_desk.core.errors import Cancelled, StorageError

BUFFER_BYTES = 8 * 1024 * 1024
BUFFERS = 4  # at most 32 MiB in flight
ALIGN = 4096  # O_DIRECT wants offsets, lengths and addresses in multiples of the block size
WRITEBACK_BYTES = 64 * 1024 * 1024  # ordinary writes: start writing back every this many bytes
POLL_SECONDS = 0.25  # how soon a producer thread waiting for a buffer notices a stop
# Ordinary writes go in small slices (curl writes 4-16 KiB at a time): on the benchmark VM, 8 MiB write()
# calls cost 1-3 s of CPU per GiB in the kernel against 0.4-1.2 s for 64 KiB ones.
PLAIN_SLICE = 64 * 1024
DIRECT_IO = sys.platform.startswith("linux") and hasattr(os, "O_DIRECT")


def storage_error(path: Path, exc: OSError) -> StorageError:
    """The user's sentence for a file that cannot be written."""
    reason = exc.strerror or type(exc).__name__
    return StorageError(
        f"The file {path.name} cannot be written in {path.parent} ({reason}): check that the folder is "
        "writable and the disk has space.",
        detail=repr(exc),
    )


class Buffer:
    """A reusable page-aligned buffer: `memory[start:end]` is due at file offset `offset`."""

    def __init__(self) -> None:
        self.memory = mmap.mmap(-1, BUFFER_BYTES)  # anonymous: page-aligned, as O_DIRECT needs
        self.start = self.end = self.offset = 0
        self.stages = 0  # how many of the hash and write stages have still to see it


class _PartFile:
    """Positional writes to the part file, the aligned middle of each through O_DIRECT if possible."""

    def __init__(self, path: Path, *, append: bool) -> None:
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | (0 if append else os.O_TRUNC)
        self.fd = os.open(path, flags, 0o666)
        self.position = os.lseek(self.fd, 0, os.SEEK_END)
        self.direct: int | None = None
        if DIRECT_IO and sys.platform != "win32":
            try:
                self.direct = os.open(path, os.O_WRONLY | os.O_DIRECT)
            except OSError:  # the file system has no O_DIRECT (tmpfs on older kernels, some mounts)
                self.direct = None
        self.written_back = self.position

    def write(self, data: memoryview, offset: int) -> None:
        """Write `data` at `offset` (the end of what is written so far)."""
        # Buffers are filled so that memory and file agree modulo ALIGN: the aligned middle of any
        # buffer sits at an aligned address and an aligned file offset.
        if self.direct is None:
            self._plain(data, offset)
            self._write_back(offset + len(data))
            return
        head = min(len(data), -offset % ALIGN)
        middle = head + (len(data) - head) // ALIGN * ALIGN
        self._plain(data[:head], offset)
        if middle > head:
            self._direct(data[head:middle], offset + head)
        self._plain(data[middle:], offset + middle)

    def _plain(self, data: memoryview, offset: int) -> None:
        if self.position != offset:
            os.lseek(self.fd, offset, os.SEEK_SET)
        while data:
            count = os.write(self.fd, data[:PLAIN_SLICE])
            data = data[count:]
            offset += count
        self.position = offset

    def _direct(self, data: memoryview, offset: int) -> None:
        if sys.platform == "win32":  # only reached with O_DIRECT (Linux); this tells mypy
            raise AssertionError("O_DIRECT write on Windows")
        assert self.direct is not None
        done = 0
        try:
            while done < len(data):
                done += os.pwrite(self.direct, data[done:], offset + done)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            # This file system takes no O_DIRECT after all: ordinary writes from here on.
            os.close(self.direct)
            self.direct = None
        if done < len(data):
            self._plain(data[done:], offset + done)

    def _write_back(self, end: int) -> None:
        # Ask the kernel to start writing back what lies a window behind, so that the fsync before
        # the rename waits for one window, not the whole file. (Advice only: errors do not matter.)
        if sys.platform == "win32" or end - self.written_back < 2 * WRITEBACK_BYTES:
            return
        with contextlib.suppress(OSError):
            os.posix_fadvise(self.fd, self.written_back, WRITEBACK_BYTES, os.POSIX_FADV_DONTNEED)
        self.written_back += WRITEBACK_BYTES

    def close(self, *, sync: bool) -> None:
        """Close both descriptors; with `sync`, flush the file to the disk first."""
        try:
            if sync:
                os.fsync(self.fd)
        finally:
            if self.direct is not None:
                os.close(self.direct)
            os.close(self.fd)


class Sink:
    """The part file being downloaded, its SHA-256 and the buffers on their way to both.

    `size` counts the bytes submitted (after `drain`, the bytes in the file). One producer at a
    time: the event loop (`take_async`) or one thread (`take`), each followed by `submit`.
    """

    def __init__(self, part: Path) -> None:
        self.part = part
        self.hasher = hashlib.sha256()
        self.size = 0
        self._buffers: queue.SimpleQueue[Buffer] = queue.SimpleQueue()
        for _ in range(BUFFERS):
            self._buffers.put(Buffer())
        self._lock = threading.Lock()
        self._in_flight = 0
        self._failure: BaseException | None = None
        self._file: _PartFile | None = None
        self._stages: list[tuple[threading.Thread, queue.SimpleQueue[Buffer | None]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._freed = asyncio.Event()

    async def open(self, keep: bool) -> None:
        """Open the part file; with `keep`, hash what is already there and append after it."""
        await self.close()
        self.hasher, self.size, self._failure = hashlib.sha256(), 0, None
        self._loop = asyncio.get_running_loop()
        try:
            if keep and self.part.exists():
                self.size = await asyncio.to_thread(self._rehash)
            self._file = await asyncio.to_thread(_PartFile, self.part, append=keep)
        except OSError as exc:
            raise storage_error(self.part, exc) from exc
        if (position := self._file.position) != self.size:  # the part changed while it was hashed
            await self.close()
            raise StorageError(
                f"The partial file {self.part.name} changed while it was being resumed; try again.",
                detail=f"hashed {self.size} bytes, file has {position}",
            )
        for name, work in (("hash", self._hash), ("write", self._write)):
            jobs: queue.SimpleQueue[Buffer | None] = queue.SimpleQueue()
            thread = threading.Thread(target=work, args=(jobs,), name=f"vms_desk-{name}", daemon=True)
            thread.start()
            self._stages.append((thread, jobs))

    def _rehash(self) -> int:
        size = 0
        with self.part.open("rb") as handle:
            while block := handle.read(BUFFER_BYTES):
                self.hasher.update(block)
                size += len(block)
        return size

    def _hash(self, jobs: queue.SimpleQueue[Buffer | None]) -> None:
        while (buffer := jobs.get()) is not None:
            self.hasher.update(memoryview(buffer.memory)[buffer.start : buffer.end])
            self._release(buffer)

    def _write(self, jobs: queue.SimpleQueue[Buffer | None]) -> None:
        while (buffer := jobs.get()) is not None:
            if self._failure is None and self._file is not None:
                try:
                    self._file.write(memoryview(buffer.memory)[buffer.start : buffer.end], buffer.offset)
                except BaseException as exc:  # kept for the producer: this thread must go on freeing
                    self._failure = exc
            self._release(buffer)

    def _release(self, buffer: Buffer) -> None:
        with self._lock:
            buffer.stages -= 1
            if buffer.stages:
                return
            self._in_flight -= 1
        self._buffers.put(buffer)
        self._wake()

    def _wake(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                self._loop.call_soon_threadsafe(self._freed.set)

    def _check(self) -> None:
        failure = self._failure
        if failure is None:
            return
        if isinstance(failure, OSError):
            raise storage_error(self.part, failure) from failure
        raise failure

    def _ready(self, buffer: Buffer) -> Buffer:
        # Start where the next byte's file offset falls within a block (see _PartFile.write).
        buffer.start = buffer.end = self.size % ALIGN
        return buffer

    def take(self, stop: threading.Event) -> Buffer:
        """An empty buffer for a producer thread, waiting while all are in use; raises once `stop` is set."""
        while True:
            self._check()
            if stop.is_set():
                raise Cancelled("The download was stopped.", detail="sink.take stopped")
            try:
                return self._ready(self._buffers.get(timeout=POLL_SECONDS))
            except queue.Empty:
                continue

    async def take_async(self) -> Buffer:
        """An empty buffer for the event loop, waiting (without blocking the loop) while all are in use."""
        while True:
            self._freed.clear()
            self._check()
            try:
                return self._ready(self._buffers.get_nowait())
            except queue.Empty:
                await self._freed.wait()

    def submit(self, buffer: Buffer, end: int) -> None:
        """Queue `buffer.memory[buffer.start:end]` for hashing and writing (an empty one is just freed)."""
        if end <= buffer.start or not self._stages:
            self._buffers.put(buffer)
            self._wake()
            return
        buffer.end, buffer.offset = end, self.size
        with self._lock:
            buffer.stages = len(self._stages)
            self._in_flight += 1
        self.size += end - buffer.start
        for _, jobs in self._stages:
            jobs.put(buffer)

    async def _settle(self) -> None:
        while True:
            self._freed.clear()
            if not self._in_flight:
                return
            await self._freed.wait()

    async def drain(self) -> None:
        """Wait until every submitted buffer is hashed and in the file; raises a write failure."""
        await self._settle()
        self._check()

    async def close(self, *, sync: bool = False) -> None:
        """Drain, stop the threads and close the file; with `sync`, the complete file is flushed to
        the disk first (and a write failure raised), else failures are left to whoever saw them."""
        stages, self._stages = self._stages, []
        try:
            if stages:
                await self._settle()
        finally:
            for thread, jobs in stages:
                jobs.put(None)
                await asyncio.to_thread(thread.join)
            part_file, self._file = self._file, None
            if part_file is not None:
                try:
                    await asyncio.to_thread(part_file.close, sync=sync and self._failure is None)
                except OSError as exc:
                    raise storage_error(self.part, exc) from exc
        if sync:
            self._check()
