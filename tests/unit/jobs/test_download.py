"""The streaming downloader over real sockets: resume with Range, restarts, never a short final file."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jobs_helpers import FileClient, file_server

from vms_desk.core.errors import ConnectionFailed, IntegrityError
from vms_desk.core.protocol import ExportHandle, RemoteFile
from vms_desk.jobs.backoff import RetryPolicy
from vms_desk.jobs.download import PROGRESS_INTERVAL, download_file, part_path
from vms_desk.jobs.durable import Record, current_boot, record_path, write_record
from vms_desk.sim.base import SimServer, SimState

SIZE = 3_000_000
DROP = 2_500_000  # beyond the transport's read buffer, so bytes are on disk when it drops
FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.02)
HANDLE = ExportHandle(export_ids=("x",))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SimServer, SimState, bytes]]:
    folder = tmp_path / "served"
    folder.mkdir()
    data = os.urandom(SIZE)
    (folder / "clip.mkv").write_bytes(data)
    state = SimState(workdir=tmp_path)
    server = file_server(folder, state)
    yield server, state, data
    server.stop()


async def fetch(http: httpx.AsyncClient, server: SimServer, locator: str, target: Path, **kw: object):  # type: ignore[no-untyped-def]
    remote = RemoteFile(name="clip.mkv", locator=locator, size=kw.pop("size", None))  # type: ignore[arg-type]
    return await download_file(FileClient(http, server.url), HANDLE, remote, target, policy=FAST, **kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_download_hashes_and_renames(served, http: httpx.AsyncClient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, _, data = served
    calls: list[tuple[int, int | None, float]] = []
    target = tmp_path / "clip.mkv"
    result = await fetch(http, server, "/files/clip.mkv", target, on_progress=lambda *a: calls.append(a))
    assert result.size == SIZE
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert target.read_bytes() == data
    assert not part_path(target).exists()
    assert calls[-1][:2] == (SIZE, SIZE)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


@pytest.mark.asyncio
async def test_dropped_connection_resumes_with_range(served, http: httpx.AsyncClient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    state.faults.update(drop_after=DROP, drop_count=1)
    target = tmp_path / "clip.mkv"
    result = await fetch(http, server, "/files/clip.mkv", target)
    assert result.resumes == 1
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    asked = [r.headers.get("range") for r in state.find("/files/")]
    assert asked[0] is None
    assert asked[1] is not None
    start = int(asked[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= DROP  # only the missing bytes were asked for again


@pytest.mark.asyncio
async def test_server_ignoring_range_restarts_from_zero(
    served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    state.faults.update(drop_after=DROP, drop_count=1)
    target = tmp_path / "clip.mkv"
    result = await fetch(http, server, "/norange/clip.mkv", target)
    assert result.resumes == 1
    assert target.read_bytes() == data
    assert len(state.find("/norange/")) == 2


def leave_part(target: Path, content: bytes, durable: int, *, boot: str | None = None) -> None:
    """A `.part` as an interrupted run leaves it: `content`, of which the first `durable` bytes were
    flushed and recorded, in boot `boot` (this one unless said)."""
    part_path(target).write_bytes(content)
    digest = hashlib.sha256(content[:durable]).hexdigest()
    write_record(part_path(target), Record(durable, digest, current_boot() if boot is None else boot))


def ranges(state: SimState) -> list[str | None]:
    return [r.headers.get("range") for r in state.find("/files/")]


@pytest.mark.asyncio
async def test_part_from_a_killed_run_is_resumed_whole(
    served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    target = tmp_path / "clip.mkv"
    # Killed in this boot: the OS still holds the bytes written after the last flush; they are kept.
    leave_part(target, data[:400_000], 100_000)
    events: list[str] = []
    result = await fetch(http, server, "/files/clip.mkv", target, on_event=events.append)
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # the bytes on disk were hashed too
    assert ranges(state) == ["bytes=400000-"]
    assert events == [
        "Resuming clip.mkv from byte 400000: the part already on disk was hashed again and the rest is "
        "asked for with Range."
    ]
    assert not record_path(part_path(target)).exists()  # gone with the part


POWER_CUT = "linux:an-earlier-boot"  # a record written before the OS restarted


@pytest.mark.asyncio
@pytest.mark.parametrize("tail", ["zeros", "stale"])
async def test_after_a_power_cut_only_the_flushed_bytes_are_kept(
    tail: str, served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    target = tmp_path / "clip.mkv"
    durable = 1_000_000
    # The size survived the power cut, the bytes after the last flush did not.
    lost = bytes(700_000) if tail == "zeros" else os.urandom(700_000)
    leave_part(target, data[:durable] + lost, durable, boot=POWER_CUT)
    events: list[str] = []
    result = await fetch(http, server, "/files/clip.mkv", target, on_event=events.append)
    assert ranges(state) == [f"bytes={durable}-"]
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert target.read_bytes() == data
    assert "The computer restarted" in events[0]
    assert "only its first 1000000 bytes" in events[0]
    assert events[1].startswith("Resuming clip.mkv from byte 1000000:")


@pytest.mark.asyncio
@pytest.mark.parametrize("case", ["no record", "record longer than the part", "prefix changed"])
async def test_a_part_that_cannot_be_trusted_is_downloaded_again(
    case: str, served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    target = tmp_path / "clip.mkv"
    part = part_path(target)
    if case == "no record":  # e.g. a part from an older vms_desk, or its record lost in the crash
        part.write_bytes(data[:400_000])
    elif case == "record longer than the part":
        part.write_bytes(data[:400_000])
        write_record(part, Record(900_000, hashlib.sha256(data[:900_000]).hexdigest(), POWER_CUT))
    else:  # the disk confirmed a flush it did not do: the recorded bytes read back differently
        leave_part(target, data[:400_000], 400_000, boot=POWER_CUT)
        with part.open("r+b") as handle:
            handle.seek(123_456)
            handle.write(b"\0" * 4096)
    events: list[str] = []
    result = await fetch(http, server, "/files/clip.mkv", target, on_event=events.append)
    assert ranges(state) == [None]
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert target.read_bytes() == data
    assert len(events) == 1
    assert "downloaded again" in events[0]


@pytest.mark.asyncio
async def test_short_body_is_never_promoted(served, http: httpx.AsyncClient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, state, _ = served
    target = tmp_path / "clip.mkv"
    with pytest.raises(ConnectionFailed):
        await fetch(http, server, "/liar/clip.mkv", target)
    assert not target.exists()
    # Attempts that got further than before do not count against the limit, so at least `attempts`.
    assert len(state.find("/liar/")) >= FAST.attempts


@pytest.mark.asyncio
async def test_clean_but_short_body_is_never_promoted(
    served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = served
    target = tmp_path / "clip.mkv"
    with pytest.raises(ConnectionFailed, match="ended early"):
        await fetch(http, server, "/cut/1000/clip.mkv", target, size=SIZE)
    assert not target.exists()


@pytest.mark.asyncio
async def test_size_mismatch_is_refused(served, http: httpx.AsyncClient, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = served
    target = tmp_path / "clip.mkv"
    with pytest.raises(IntegrityError, match="announced"):
        await fetch(http, server, "/files/clip.mkv", target, size=SIZE - 1)
    assert not target.exists()


@pytest.mark.asyncio
async def test_event_loop_keeps_running_and_progress_is_throttled(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "big.bin").write_bytes(os.urandom(48 * 1024 * 1024))
    server = file_server(folder, SimState(workdir=tmp_path))
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    calls: list[float] = []
    tick = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        remote = RemoteFile(name="big.bin", locator="/files/big.bin")
        await download_file(
            FileClient(http, server.url),
            HANDLE,
            remote,
            tmp_path / "big.bin",
            on_progress=lambda *_: calls.append(time.monotonic()),
        )
    finally:
        stop.set()
        await tick
        server.stop()
    elapsed = time.monotonic() - started
    assert max(gaps) < 0.25, f"the loop stalled for {max(gaps):.3f} s"
    assert len(calls) <= elapsed / PROGRESS_INTERVAL + 2


def sink_threads() -> list[threading.Thread]:
    """The downloader's receiving, hashing and writing threads still alive."""
    return [t for t in threading.enumerate() if t.name.startswith("vms_desk-")]


async def wait_for_part(target: Path, seconds: float) -> int:
    """Bytes in the `.part` once it has some (0 if none came within `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if part_path(target).exists() and (size := part_path(target).stat().st_size):
            return size
        await asyncio.sleep(0.02)
    return 0


@pytest.mark.asyncio
async def test_a_slow_download_reaches_the_disk_as_it_goes(
    served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    state.faults.update(throttle_bps=200_000)  # 15 s for the file: far from filling a buffer
    target = tmp_path / "clip.mkv"
    calls: list[tuple[int, int | None, float]] = []
    task = asyncio.ensure_future(
        fetch(http, server, "/files/clip.mkv", target, on_progress=lambda *a: calls.append(a))
    )
    try:
        # Bytes are handed to the file every FLUSH_SECONDS: a crash now would lose about that much.
        on_disk = await wait_for_part(target, 2.0)
        assert 0 < on_disk < SIZE
        assert part_path(target).read_bytes() == data[:on_disk]
        # Progress counts bytes as they arrive, not buffer by buffer, about four times a second.
        await asyncio.sleep(1.0)
        done = [c[0] for c in calls]
        assert len(done) >= 4
        assert done == sorted(done)
        assert len(set(done)) >= 4
        assert calls[-1][1] == SIZE
        assert 50_000 < calls[-1][2] < 1_000_000  # the rate, near the 200 kB/s throttle
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.asyncio
async def test_cancelling_stops_every_thread_and_keeps_the_part(
    served, http: httpx.AsyncClient, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server, state, data = served
    state.faults.update(throttle_bps=500_000)
    target = tmp_path / "clip.mkv"
    task = asyncio.ensure_future(fetch(http, server, "/files/clip.mkv", target))
    assert await wait_for_part(target, 2.0)
    assert sink_threads()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    for _ in range(50):  # the threads are told to end before the task ends; give them a moment to exit
        if not sink_threads():
            break
        await asyncio.sleep(0.01)
    assert not sink_threads()
    assert not target.exists()
    kept = part_path(target).read_bytes()
    assert kept == data[: len(kept)]  # what was received is on disk, for a later resume
    state.faults.update(throttle_bps=0)
    result = await fetch(http, server, "/files/clip.mkv", target)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert state.find("/files/")[-1].headers.get("range") == f"bytes={len(kept)}-"
