"""The streaming downloader: one RemoteFile to `<name>.part`, hashed as it is written, then renamed.

File writes and hashing run on a worker thread, a few batches behind the network, so the event loop
never blocks and memory stays at a few MiB whatever the file size. A dropped connection resumes
with Range from the bytes on disk when the server honours it, else starts again from zero. A file is
renamed to its final name only when its size is known to be complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vms_desk.core.errors import ConnectionFailed, IntegrityError, ProtocolError, StorageError, VmsDeskError
from vms_desk.core.protocol import ExportHandle, RemoteFile, VendorClient
from vms_desk.jobs.backoff import RetryHook, RetryPolicy

log = logging.getLogger(__name__)

BATCH_BYTES = 1024 * 1024
PIPELINE_DEPTH = 3  # batches waiting for the worker thread at most
PROGRESS_INTERVAL = 0.1  # at most ~10 progress callbacks a second
RATE_WINDOW = 2.0  # seconds of history behind the reported rate
PART_SUFFIX = ".part"

# (bytes on disk, total bytes if known, bytes per second)
ProgressCallback = Callable[[int, int | None, float], None]


@dataclass(frozen=True)
class DownloadResult:
    """A file complete under its final name."""

    path: Path
    size: int
    sha256: str
    resumes: int = 0  # how many times a dropped transfer was resumed


def part_path(target: Path) -> Path:
    """Where `target` is written until it is complete."""
    return target.with_name(target.name + PART_SUFFIX)


def _storage_error(path: Path, exc: OSError) -> StorageError:
    reason = exc.strerror or type(exc).__name__
    return StorageError(
        f"The file {path.name} cannot be written in {path.parent} ({reason}): check that the folder is "
        "writable and the disk has space.",
        detail=repr(exc),
    )


class _Sink:
    """Appends batches to the part file and hashes them on its own worker thread, in order.

    Up to PIPELINE_DEPTH batches wait for the worker, so the network never waits on a short disk or
    hashing hiccup, while memory stays bounded (a few batches whatever the file size).
    """

    def __init__(self, part: Path) -> None:
        self.part = part
        self.hasher = hashlib.sha256()
        self.size = 0
        self._file: BinaryIO | None = None
        self._worker: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()
        self._buffer = bytearray(BATCH_BYTES + 512 * 1024)

    async def open(self, keep: bool) -> None:
        """Open the part file; with `keep`, hash what is already there and append after it."""
        await self.close()
        self.hasher, self.size = hashlib.sha256(), 0
        try:
            if keep and self.part.exists():
                self.size = await asyncio.to_thread(self._rehash)
                self._file = await asyncio.to_thread(self.part.open, "ab")
            else:
                self._file = await asyncio.to_thread(self.part.open, "wb")
        except OSError as exc:
            raise _storage_error(self.part, exc) from exc
        # One thread per file keeps the batches in order.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vms_desk-download")

    def _rehash(self) -> int:
        size = 0
        with self.part.open("rb") as handle:
            while block := handle.read(BATCH_BYTES):
                self.hasher.update(block)
                size += len(block)
        return size

    def _write(self, chunks: list[bytes]) -> None:
        assert self._file is not None
        # The batch is copied into one reused buffer, then hashed and written in one call each: the
        # GIL is released once per batch rather than per network chunk, and no large buffer is
        # allocated per batch (fresh allocations cost page faults that showed in the benchmark).
        size = sum(len(c) for c in chunks)
        if len(self._buffer) < size:
            self._buffer = bytearray(size)
        view = memoryview(self._buffer)
        position = 0
        for chunk in chunks:
            view[position : position + len(chunk)] = chunk
            position += len(chunk)
        data = view[:size]
        self.hasher.update(data)
        self._file.write(data)

    async def write(self, chunks: list[bytes]) -> None:
        """Queue a batch for the worker (waiting first when PIPELINE_DEPTH batches already wait)."""
        assert self._worker is not None
        while len(self._pending) >= PIPELINE_DEPTH:
            await self._wait(self._pending.popleft())
        self.size += sum(len(c) for c in chunks)
        self._pending.append(self._worker.submit(self._write, chunks))

    async def _wait(self, job: Future[None]) -> None:
        try:
            await asyncio.wrap_future(job)
        except OSError as exc:
            raise _storage_error(self.part, exc) from exc

    async def drain(self) -> None:
        """Wait until every queued batch is on disk (in the OS) and hashed."""
        while self._pending:
            await self._wait(self._pending.popleft())

    async def close(self, *, sync: bool = False) -> None:
        """Drain and close the file; with `sync`, flush it to the disk first."""
        try:
            await self.drain()
        finally:
            worker, self._worker = self._worker, None
            self._pending.clear()
            if worker is not None:
                # After a cancelled wait the thread may still be writing: let it end first.
                await asyncio.to_thread(worker.shutdown, True)
            handle, self._file = self._file, None
            if handle is not None:
                try:
                    await asyncio.to_thread(_close, handle, sync)
                except OSError as exc:
                    raise _storage_error(self.part, exc) from exc


def _close(handle: BinaryIO, sync: bool) -> None:
    try:
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        handle.close()


class _Meter:
    """Throttled progress with a rate over the last few seconds."""

    def __init__(self, callback: ProgressCallback | None, done: int = 0) -> None:
        self.callback = callback
        # Seeded with the starting point, so even a transfer done in one chunk reports its rate.
        self.samples: deque[tuple[float, int]] = deque([(time.monotonic(), done)])
        self.last_emit = 0.0

    def rate(self, now: float, done: int) -> float:
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > RATE_WINDOW:
            self.samples.popleft()
        first_time, first_done = self.samples[0]
        elapsed = now - first_time
        return (done - first_done) / elapsed if elapsed > 0 and done >= first_done else 0.0

    def update(self, done: int, total: int | None, *, force: bool = False) -> None:
        now = time.monotonic()
        rate = self.rate(now, done)
        if self.callback is not None and (force or now - self.last_emit >= PROGRESS_INTERVAL):
            self.last_emit = now
            self.callback(done, total, rate)

    def restart(self) -> None:
        """Forget the history (the transfer restarted from zero)."""
        self.samples.clear()
        self.samples.append((time.monotonic(), 0))


async def download_file(
    client: VendorClient,
    handle: ExportHandle,
    remote: RemoteFile,
    target: Path,
    *,
    policy: RetryPolicy | None = None,
    on_progress: ProgressCallback | None = None,
    on_retry: RetryHook | None = None,
) -> DownloadResult:
    """Stream `remote` to `target` (via `target.part`), resuming dropped transfers; returns size + SHA-256.

    A `.part` already on disk (an interrupted run) is resumed. On failure the `.part` stays for the
    caller to resume or delete; the final name only ever holds a complete file.
    """
    policy = policy or RetryPolicy()
    part = part_path(target)
    sink = _Sink(part)
    await sink.open(keep=True)
    meter = _Meter(on_progress, sink.size)
    failures, resumes = 0, 0
    best = sink.size  # the most bytes ever on disk: progress means beating it
    total: int | None = remote.size
    try:
        while True:
            try:
                total = await _transfer(client, handle, remote, sink=sink, meter=meter, total=total)
                break
            except VmsDeskError as err:
                await sink.drain()
                # Only attempts that got further than ever count as progress: a slow but moving transfer
                # is not failing. The file size bounds `best`, so this always ends.
                failures = 1 if sink.size > best else failures + 1
                best = max(best, sink.size)
                if not err.transient or failures >= policy.attempts:
                    raise
                delay = policy.delay(failures)
                log.info(
                    "download of %s interrupted at %d bytes (%s); resuming in %.1f s",
                    target.name,
                    sink.size,
                    err.detail or err,
                    delay,
                )
                if on_retry is not None:
                    on_retry(err, failures, delay)
                resumes += 1
                await asyncio.sleep(delay)
        await sink.close(sync=True)
    except BaseException:
        await sink.close()
        raise
    size, digest = sink.size, sink.hasher.hexdigest()
    if total is not None and size != total:
        raise IntegrityError(
            f"{target.name} arrived with {size} bytes, but the server announced {total}; it was not kept.",
            detail=f"size mismatch for {remote.name!r}: {size} != {total}",
        )
    try:
        os.replace(part, target)
    except OSError as exc:
        raise _storage_error(target, exc) from exc
    meter.update(size, total, force=True)
    return DownloadResult(path=target, size=size, sha256=digest, resumes=resumes)


async def _transfer(
    client: VendorClient,
    handle: ExportHandle,
    remote: RemoteFile,
    *,
    sink: _Sink,
    meter: _Meter,
    total: int | None,
) -> int | None:
    """One request: append the body to the sink from where it stands; returns the file's total size."""
    offset = sink.size
    if total is not None and offset == total:
        return total  # an interrupted run had already fetched every byte
    if total is not None and offset > total:
        await sink.open(keep=False)  # the part is longer than the file: it is not this file
        offset = 0
    async with client.open_download(handle, remote, offset) as body:
        if body.offset != offset:
            if body.offset != 0:
                raise ProtocolError(
                    f"The server resumed the download of {remote.name} at the wrong position.",
                    detail=f"asked {offset}, body starts at {body.offset}",
                )
            # The server ignored Range and sends the whole file: start the part again from zero.
            log.info("server ignored Range for %s; restarting from 0", remote.name)
            await sink.open(keep=False)
            meter.restart()
        if body.total is not None:
            if remote.size is not None and body.total != remote.size:
                raise IntegrityError(
                    f"The server announced {remote.size} bytes for {remote.name} but sends {body.total}; "
                    "the file was not kept.",
                    detail=f"status size {remote.size} != body total {body.total}",
                )
            total = body.total
        batch: list[bytes] = []
        batch_bytes = 0
        async for chunk in body.chunks():
            if not chunk:
                continue
            if total is not None and sink.size + batch_bytes + len(chunk) > total:
                raise IntegrityError(
                    f"The server sent more than the {total} bytes it announced for {remote.name}; "
                    "the file was not kept.",
                    detail=f"body longer than announced total {total}",
                )
            batch.append(chunk)
            batch_bytes += len(chunk)
            if batch_bytes >= BATCH_BYTES:
                await sink.write(batch)
                batch, batch_bytes = [], 0
                meter.update(sink.size, total)
        if batch:
            await sink.write(batch)
        await sink.drain()
        meter.update(sink.size, total)
    if total is not None and sink.size < total:
        # The body ended early without a transport error (e.g. chunked encoding cut short).
        raise ConnectionFailed(
            f"The download of {remote.name} ended early; it will be resumed.",
            detail=f"body ended at {sink.size} of {total} bytes",
        )
    return total
