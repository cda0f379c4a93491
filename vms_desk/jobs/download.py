"""The streaming downloader: one RemoteFile to `<name>.part`, hashed as it is written, then renamed.

Bytes go into a few large buffers of a Sink (jobs.sink), hashed and written on two threads of their
own, so the event loop never blocks and memory stays bounded whatever the file size. A body that can
be read straight from its socket (plain HTTP with a Content-Length, see vendors._bulk) is read by a
third thread into those buffers; any other body is copied in by the event loop as it arrives. A dropped
connection resumes with Range from the bytes on disk when the server honours it, else starts again
from zero. A part left by an earlier run is resumed from what jobs.durable trusts of it (after a power
cut, only the bytes known to have reached the disk). A file is renamed to its final name only when its
size is known to be complete and it has been flushed to the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vms_desk.core.errors import ConnectionFailed, IntegrityError, ProtocolError, VmsDeskError
from vms_desk.core.protocol import Download, ExportHandle, RemoteFile, VendorClient
from vms_desk.jobs.backoff import RetryHook, RetryPolicy
from vms_desk.jobs.durable import remove_record
from vms_desk.jobs.priority import in_worker_thread
from vms_desk.jobs.sink import BUFFER_BYTES, Buffer, Sink, storage_error

log = logging.getLogger(__name__)

# A buffer goes to the file when full or this long after its first byte, so a slow download is on disk
# within about a second (a crash loses little) while a fast one is written in whole buffers.
FLUSH_SECONDS = 0.5
# What a 2 MiB/s download receives in FLUSH_SECONDS: slower downloads reach the file in smaller batches.
BATCH_BYTES = 1024 * 1024
PROGRESS_INTERVAL = 0.25  # at most 4 progress callbacks a second: each one wakes the event loop
RATE_WINDOW = 2.0  # seconds of history behind the reported rate
PART_SUFFIX = ".part"

# (bytes on disk, total bytes if known, bytes per second)
ProgressCallback = Callable[[int, int | None, float], None]
EventCallback = Callable[[str], None]  # a sentence for the job's history


class _DirectBody(Protocol):
    """What vendors._http.BodyStream.direct returns (see vendors._bulk.DirectBody)."""

    length: int

    def readinto(self, view: memoryview) -> int: ...

    def cancel(self) -> None: ...


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
    on_event: EventCallback | None = None,
) -> DownloadResult:
    """Stream `remote` to `target` (via `target.part`), resuming dropped transfers; returns size + SHA-256.

    A `.part` already on disk (an interrupted run) is resumed from what can be trusted of it, and
    `on_event` is told from where (and why bytes on disk were dropped). On failure the `.part` stays
    for the caller to resume or delete; the final name only ever holds a complete file.
    """
    policy = policy or RetryPolicy()
    part = part_path(target)
    sink = Sink(part)
    dropped = await sink.open(keep=True)
    if on_event is not None:
        if dropped:
            on_event(f"{target.name}: {dropped}")
        if sink.size:
            on_event(
                f"Resuming {target.name} from byte {sink.size}: the part already on disk was hashed "
                "again and the rest is asked for with Range."
            )
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
        raise storage_error(target, exc) from exc
    await asyncio.to_thread(_settle_names, part, target.parent)
    meter.update(size, total, force=True)
    return DownloadResult(path=target, size=size, sha256=digest, resumes=resumes)


def _settle_names(part: Path, folder: Path) -> None:
    """After the rename: flush the folder's entries to the disk, then delete the part's record (a
    crash in between leaves the record beside the file, never a part without one).

    The flush is best effort: some file systems refuse to flush a folder, and a rename lost in a
    crash is found by the verification of the saved files, which then downloads the file again.
    """
    if sys.platform != "win32":  # NTFS journals the rename itself; a folder cannot be opened to flush
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    remove_record(part)


async def _transfer(
    client: VendorClient,
    handle: ExportHandle,
    remote: RemoteFile,
    *,
    sink: Sink,
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
        room = None if total is None else total - sink.size
        await _receive(body, sink, meter, room=room, name=remote.name, total=total)
        await sink.drain()
        meter.update(sink.size, total)
    if total is not None and sink.size < total:
        # The body ended early without a transport error (e.g. chunked encoding cut short).
        raise ConnectionFailed(
            f"The download of {remote.name} ended early; it will be resumed.",
            detail=f"body ended at {sink.size} of {total} bytes",
        )
    return total


async def _receive(
    body: Download, sink: Sink, meter: _Meter, *, room: int | None, name: str, total: int | None
) -> None:
    """Append the body to the sink; `room` is how many bytes the file has left (None: unknown)."""
    direct_of = getattr(body, "direct", None)  # vendors._http.BodyStream has it; other bodies not
    direct: _DirectBody | None = await direct_of() if direct_of is not None else None
    if direct is None:
        await _receive_chunks(body, sink, meter, room=room, name=name, total=total)
        return
    if room is not None and direct.length > room:
        raise _too_long(name, total)
    stop = threading.Event()
    progress = _Received()
    job = in_worker_thread(_pump, direct, sink, stop, progress, name="vms_desk-receive")
    try:
        while True:
            done, _ = await asyncio.wait({job}, timeout=PROGRESS_INTERVAL)
            meter.update(sink.size + progress.held, total)
            if done:
                break
        job.result()
    except BaseException:
        # Cancelled or failed: the thread must be done with the socket and the buffers before they go.
        stop.set()
        direct.cancel()
        await asyncio.wait({job})
        if not job.cancelled():
            job.exception()  # seen: it is this failure, or the Cancelled that the stop caused
        raise


class _Received:
    """Bytes the pump thread holds in a buffer that is not yet submitted (read by the loop)."""

    held = 0


def _pump(direct: _DirectBody, sink: Sink, stop: threading.Event, progress: _Received) -> None:
    """Worker thread: read the body into the sink's buffers until it ends (or fails)."""
    ended = False
    while not ended:
        buffer = sink.take(stop)
        end, began = buffer.start, time.monotonic()
        view = memoryview(buffer.memory)
        try:
            while end < BUFFER_BYTES and time.monotonic() - began < FLUSH_SECONDS:
                count = direct.readinto(view[end:])
                if not count:
                    ended = True
                    break
                end += count
                progress.held = end - buffer.start
        finally:
            progress.held = 0
            sink.submit(buffer, end)  # even on failure: what arrived is good and is kept


async def _receive_chunks(
    body: Download, sink: Sink, meter: _Meter, *, room: int | None, name: str, total: int | None
) -> None:
    """Copy the body into the sink's buffers as it arrives, on the event loop."""
    buffer: Buffer | None = None
    end, began, received = 0, 0.0, 0
    try:
        async for chunk in body.chunks():
            received += len(chunk)
            if room is not None and received > room:
                raise _too_long(name, total)
            data = memoryview(chunk)
            while data:
                if buffer is None:
                    buffer = await sink.take_async()
                    end, began = buffer.start, time.monotonic()
                count = min(len(data), BUFFER_BYTES - end)
                buffer.memory[end : end + count] = data[:count]
                end += count
                data = data[count:]
                if end == BUFFER_BYTES or time.monotonic() - began >= FLUSH_SECONDS:
                    sink.submit(buffer, end)
                    buffer = None
            meter.update(sink.size + (end - buffer.start if buffer else 0), total)
    finally:
        if buffer is not None:
            sink.submit(buffer, end)


def _too_long(name: str, total: int | None) -> IntegrityError:
    return IntegrityError(
        f"The server sent more than the {total} bytes it announced for {name}; the file was not kept.",
        detail=f"body longer than announced total {total}",
    )
