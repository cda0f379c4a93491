"""Where a download's bytes go: a few large buffers, hashed and written on two threads, in order.

A producer (the event loop copying network chunks, or a thread reading the socket) fills a buffer and
submits it; one thread hashes it while another writes it, then it is free again. Hashing (OpenSSL)
and writing release the GIL for the whole buffer, so the two run beside the network and each other,
and memory stays at BUFFERS x BUFFER_BYTES whatever the file size.

Buffers are filled so that memory and file agree modulo ALIGN, as O_DIRECT writes need (jobs.partfile).

Every DURABLE_BYTES or DURABLE_SECONDS one buffer is a checkpoint: once it is written, a third thread
flushes the part to the disk (fdatasync) and, once it is hashed too, the part's `.durable` record says
how many bytes that flush covered and their SHA-256 (jobs.durable), so a resume after a power cut
keeps only bytes that were on the disk. A part kept on opening is cut to what its record allows,
re-hashed, flushed and recorded before anything is appended to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mmap
import os
import queue
import threading
from pathlib import Path

from vms_desk.core.errors import Cancelled, StorageError
from vms_desk.jobs.durable import Checkpoint, Flusher, Record, current_boot, trusted, write_record
from vms_desk.jobs.partfile import ALIGN, PartFile
from vms_desk.jobs.priority import worker_thread

BUFFER_BYTES = 8 * 1024 * 1024
BUFFERS = 4  # at most 32 MiB in flight
POLL_SECONDS = 0.25  # how soon a producer thread waiting for a buffer notices a stop


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
        self.checkpoint: Checkpoint | None = None  # flush the part once this buffer is written


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
        self._file: PartFile | None = None
        self._stages: list[tuple[threading.Thread, queue.SimpleQueue[Buffer | None]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._freed = asyncio.Event()
        self._boot = current_boot()
        self._flusher: Flusher | None = None

    async def open(self, keep: bool) -> str:
        """Open the part file; with `keep`, keep what is trusted of what is there (jobs.durable), hash
        it and append after it. Returns why bytes on disk were dropped ('' when none were)."""
        await self.close()
        self.hasher, self.size, self._failure = hashlib.sha256(), 0, None
        self._loop = asyncio.get_running_loop()
        try:
            dropped, part_file = await asyncio.to_thread(self._prepare, keep)
        except OSError as exc:
            raise storage_error(self.part, exc) from exc
        self._file = part_file
        self._flusher = Flusher(self.part, part_file.sync_data, self._boot, self.size)
        if (position := part_file.position) != self.size:  # the part changed while it was hashed
            await self.close()
            raise StorageError(
                f"The partial file {self.part.name} changed while it was being resumed; try again.",
                detail=f"hashed {self.size} bytes, file has {position}",
            )
        for name, work in (("hash", self._hash), ("write", self._write)):
            jobs: queue.SimpleQueue[Buffer | None] = queue.SimpleQueue()
            thread = worker_thread(work, args=(jobs,), name=f"vms_desk-{name}")
            thread.start()
            self._stages.append((thread, jobs))
        return dropped

    def _prepare(self, keep: bool) -> tuple[str, PartFile]:
        """(worker thread) Cut the part to what is trusted and hash it; then open it with a true record."""
        trust = trusted(self.part, self._boot) if keep else None
        dropped = trust.why if trust else ""
        if trust is not None and trust.keep:
            if self.part.stat().st_size > trust.keep:
                os.truncate(self.part, trust.keep)
            if not self._rehash(trust.check):
                dropped = (
                    "The partial file no longer holds the bytes recorded as written (the disk lost or "
                    "changed data it had confirmed): it is downloaded again."
                )
                self.hasher, self.size = hashlib.sha256(), 0
        if not self.size:
            # Recorded before the part is emptied, so that no record ever counts bytes it lacks.
            write_record(self.part, Record(0, self.hasher.hexdigest(), self._boot))
            return dropped, PartFile(self.part, append=False)
        part_file = PartFile(self.part, append=True)
        try:
            part_file.sync_data()  # the kept bytes may be in the OS's cache only (a killed run's last)
            write_record(self.part, Record(self.size, self.hasher.hexdigest(), self._boot))
        except BaseException:
            part_file.close(sync=False)
            raise
        return dropped, part_file

    def _rehash(self, check: Record | None) -> bool:
        """Hash the part into `hasher`/`size`; False when its first `check.size` bytes do not have the
        recorded SHA-256 (then what was hashed is of no use)."""
        verified = check is None
        with self.part.open("rb") as handle:
            while True:
                if check is not None and not verified and self.size == check.size:
                    if self.hasher.hexdigest() != check.sha256:
                        return False
                    verified = True
                left = BUFFER_BYTES if check is None or verified else check.size - self.size
                if not (block := handle.read(min(BUFFER_BYTES, left))):
                    return verified
                self.hasher.update(block)
                self.size += len(block)

    def _hash(self, jobs: queue.SimpleQueue[Buffer | None]) -> None:
        while (buffer := jobs.get()) is not None:
            self.hasher.update(memoryview(buffer.memory)[buffer.start : buffer.end])
            if buffer.checkpoint is not None and self._flusher is not None:
                self._flusher.hashed(buffer.checkpoint, self.hasher.hexdigest())
            self._release(buffer)

    def _write(self, jobs: queue.SimpleQueue[Buffer | None]) -> None:
        while (buffer := jobs.get()) is not None:
            if self._failure is None and self._file is not None:
                try:
                    self._file.write(memoryview(buffer.memory)[buffer.start : buffer.end], buffer.offset)
                    if buffer.checkpoint is not None and self._flusher is not None:
                        self._flusher.written(buffer.checkpoint)
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
        failure = self._failure or (self._flusher.failure if self._flusher is not None else None)
        if failure is None:
            return
        if isinstance(failure, OSError):
            raise storage_error(self.part, failure) from failure
        raise failure

    def _ready(self, buffer: Buffer) -> Buffer:
        # Start where the next byte's file offset falls within a block (see PartFile.write).
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
        buffer.checkpoint = self._flusher.due(self.size) if self._flusher is not None else None
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
            flusher, self._flusher = self._flusher, None
            if flusher is not None:
                await asyncio.to_thread(flusher.close)  # before the file it flushes is closed
                self._failure = self._failure or flusher.failure
            part_file, self._file = self._file, None
            if part_file is not None:
                try:
                    await asyncio.to_thread(part_file.close, sync=sync and self._failure is None)
                except OSError as exc:
                    raise storage_error(self.part, exc) from exc
        if sync:
            self._check()
