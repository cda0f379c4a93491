"""The download sink: buffers of any size and phase land in order, hashed, with or without O_DIRECT;
checkpoints record only bytes flushed to the disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import threading
from pathlib import Path

import pytest

from vms_desk.core.errors import Cancelled, StorageError
from vms_desk.jobs import durable, partfile
from vms_desk.jobs import sink as sink_module
from vms_desk.jobs.durable import Record, current_boot, read_record, write_record
from vms_desk.jobs.partfile import PartFile
from vms_desk.jobs.sink import ALIGN, BUFFER_BYTES, BUFFERS, Sink


async def pour(sink: Sink, data: bytes, sizes: list[int]) -> None:
    """Submit `data` in pieces of `sizes` (each piece one buffer, so every phase and length occurs)."""
    position = 0
    for size in sizes:
        buffer = await sink.take_async()
        room = BUFFER_BYTES - buffer.start
        piece = data[position : position + min(size, room)]
        buffer.memory[buffer.start : buffer.start + len(piece)] = piece
        sink.submit(buffer, buffer.start + len(piece))
        position += len(piece)
    assert position == len(data)


def takes_direct_io(folder: Path) -> bool:
    """Whether this folder's file system accepts O_DIRECT (tmpfs on older kernels does not)."""
    try:
        os.close(os.open(folder / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT))
    except OSError:
        return False
    return True


@pytest.fixture(params=["direct", "plain"])
def direct_io(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run with O_DIRECT (where the OS has it) and with ordinary writes only."""
    if request.param == "direct" and not partfile.DIRECT_IO:
        pytest.skip("no O_DIRECT on this platform")
    monkeypatch.setattr(partfile, "DIRECT_IO", request.param == "direct")
    # Small windows, so that early writeback runs on these small files too.
    monkeypatch.setattr(partfile, "WRITEBACK_BYTES", 64 * 1024)
    return request.param == "direct"


@pytest.mark.asyncio
async def test_pieces_of_every_size_and_phase_land_in_order(direct_io: bool, tmp_path: Path) -> None:
    rng = random.Random(7)
    kept = os.urandom(5 * ALIGN + 123)  # an interrupted run's part, not a multiple of a block
    data = os.urandom(40 * 1024 * 1024)
    part = tmp_path / "clip.mkv.part"
    part.write_bytes(kept)  # left by a run killed in this boot: all of it is kept
    write_record(part, Record(len(kept), hashlib.sha256(kept).hexdigest(), current_boot()))
    sizes = [1, ALIGN - 1, ALIGN, ALIGN + 1, 3, BUFFER_BYTES, 2 * ALIGN, BUFFER_BYTES // 3, 777]
    sizes += [rng.randrange(1, 3 * 1024 * 1024) for _ in range(20)]
    sizes.append(len(data))  # the rest, in whole buffers
    sink = Sink(part)
    await sink.open(keep=True)
    assert sink.size == len(kept)
    left, fitted = len(data), []
    for size in sizes:
        wanted = size
        while left and wanted > 0:
            piece = min(wanted, left, BUFFER_BYTES - (len(kept) + len(data) - left) % ALIGN)
            fitted.append(piece)
            left -= piece
            wanted -= piece
    await pour(sink, data, fitted)
    await sink.drain()
    if direct_io and takes_direct_io(tmp_path):
        # Unaligned pieces went through the page cache; O_DIRECT was never given up on for them.
        assert sink._file is not None
        assert sink._file.direct is not None
    await sink.close(sync=True)
    assert sink.size == len(kept) + len(data)
    assert part.read_bytes() == kept + data
    assert sink.hasher.hexdigest() == hashlib.sha256(kept + data).hexdigest()


@pytest.mark.asyncio
async def test_reopening_without_keep_starts_the_file_again(direct_io: bool, tmp_path: Path) -> None:
    part = tmp_path / "clip.mkv.part"
    sink = Sink(part)
    await sink.open(keep=False)
    await pour(sink, b"x" * 100_000, [100_000])
    await sink.drain()
    await sink.open(keep=False)
    await pour(sink, b"fresh", [5])
    await sink.close(sync=True)
    assert part.read_bytes() == b"fresh"
    assert sink.hasher.hexdigest() == hashlib.sha256(b"fresh").hexdigest()


@pytest.mark.asyncio
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
async def test_a_full_disk_is_a_storage_error(tmp_path: Path) -> None:
    part = tmp_path / "clip.mkv.part"
    part.symlink_to("/dev/full")  # its record goes next to it, its bytes to a device that is full
    sink = Sink(part)
    await sink.open(keep=False)
    await pour(sink, b"y" * 300_000, [300_000])
    with pytest.raises(StorageError, match="disk has space"):
        await sink.drain()
    with pytest.raises(StorageError):
        await sink.take_async()  # the producer is told too, not left to fill buffers for nothing
    await sink.close()


@pytest.mark.asyncio
async def test_a_producer_thread_waits_for_buffers_and_stops_when_told(tmp_path: Path) -> None:
    sink = Sink(tmp_path / "clip.mkv.part")
    await sink.open(keep=False)
    held = [await sink.take_async() for _ in range(BUFFERS)]
    stop = threading.Event()
    outcome: list[BaseException] = []

    def producer() -> None:
        try:
            sink.take(stop)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=producer)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # every buffer is in use: it waits
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert isinstance(outcome[0], Cancelled)
    for buffer in held:
        sink.submit(buffer, buffer.start)  # nothing in them: they are simply free again
    await sink.close(sync=True)
    assert (tmp_path / "clip.mkv.part").read_bytes() == b""


def spy_on_flushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, Record | None]]:
    """Log, in order, each flush of a part when it ends (with the file's size when it began: those
    bytes are on the disk) and each record when it is written."""
    log: list[tuple[str, int, Record | None]] = []
    sync_data, write = PartFile.sync_data, durable.write_record

    def logged_sync(self: PartFile) -> None:
        size = os.fstat(self.fd).st_size
        sync_data(self)
        log.append(("flushed", size, None))

    def logged_write(part: Path, record: Record) -> None:
        log.append(("recorded", record.size, record))
        write(part, record)

    monkeypatch.setattr(PartFile, "sync_data", logged_sync)
    monkeypatch.setattr(sink_module, "write_record", logged_write)  # on opening
    monkeypatch.setattr(durable, "write_record", logged_write)  # at checkpoints
    return log


@pytest.mark.asyncio
async def test_checkpoints_record_only_bytes_flushed_to_the_disk(
    direct_io: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mib = 1024 * 1024
    monkeypatch.setattr(durable, "DURABLE_BYTES", 3 * mib)
    monkeypatch.setattr(durable, "DURABLE_SECONDS", 1e9)  # by size only, however slow the machine
    log = spy_on_flushes(monkeypatch)
    data = os.urandom(20 * mib + 5)
    part = tmp_path / "clip.mkv.part"
    sink = Sink(part)
    await sink.open(keep=False)
    assert log == [("recorded", 0, Record(0, hashlib.sha256(b"").hexdigest(), current_boot()))]
    for start in range(0, len(data), mib):
        await pour(sink, data[start : start + mib], [mib])
    await sink.close()
    # A checkpoint every 3 MiB submitted, each recorded once flushed and hashed, in order.
    records = [record for _, _, record in log if record is not None]
    assert [r.size for r in records] == [n * 3 * mib for n in range(7)]
    for record in records:
        assert record.sha256 == hashlib.sha256(data[: record.size]).hexdigest()
        assert record.boot == current_boot()
    assert read_record(part) == records[-1]
    flushed = 0
    for what, size, _ in log:
        if what == "flushed":
            flushed = size
        else:
            assert size <= flushed or size == 0, f"recorded {size} bytes, flushed only {flushed}: {log}"


@pytest.mark.asyncio
async def test_a_slow_download_is_flushed_every_few_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(durable, "DURABLE_SECONDS", 0.2)
    part = tmp_path / "clip.mkv.part"
    sink = Sink(part)
    await sink.open(keep=False)
    await pour(sink, b"a" * 1000, [1000])
    await sink.drain()
    assert read_record(part) == Record(0, hashlib.sha256(b"").hexdigest(), current_boot())
    await asyncio.sleep(0.25)
    await pour(sink, b"b" * 1000, [1000])  # far from DURABLE_BYTES, but 0.2 s after the last flush
    await sink.drain()
    await sink.close()
    assert read_record(part) == Record(
        2000, hashlib.sha256(b"a" * 1000 + b"b" * 1000).hexdigest(), current_boot()
    )


@pytest.mark.asyncio
async def test_a_kept_part_is_flushed_and_recorded_before_anything_is_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = tmp_path / "clip.mkv.part"
    part.write_bytes(b"k" * 5000)  # a killed run's last writes, in the OS's cache only
    write_record(part, Record(1000, hashlib.sha256(b"k" * 1000).hexdigest(), current_boot()))
    log = spy_on_flushes(monkeypatch)
    sink = Sink(part)
    assert await sink.open(keep=True) == ""
    assert sink.size == 5000
    assert [entry[:2] for entry in log] == [("flushed", 5000), ("recorded", 5000)]
    await sink.close()
