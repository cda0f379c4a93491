"""What a resume trusts of a `.part`: the whole of it in the boot that wrote it, the flushed bytes
after a restart of the OS, nothing without a believable record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from vms_desk.jobs.durable import (
    Record,
    current_boot,
    read_record,
    record_path,
    remove_record,
    same_boot,
    trusted,
    write_record,
)

THIS_BOOT = "linux:this-boot"
EARLIER_BOOT = "linux:an-earlier-boot"


def leave(part: Path, size: int, recorded: int | None, boot: str = THIS_BOOT) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    part.write_bytes(data[:size])
    if recorded is not None:
        write_record(part, Record(recorded, hashlib.sha256(data[:recorded]).hexdigest(), boot))


@pytest.mark.parametrize(
    ("size", "recorded", "boot", "keep", "why"),
    [
        (5000, 1000, THIS_BOOT, 5000, ""),  # killed: the OS still had every byte written
        (5000, 1000, EARLIER_BOOT, 1000, "The computer restarted"),  # power cut: the flushed bytes
        (5000, 5000, EARLIER_BOOT, 5000, ""),  # everything had been flushed
        (5000, None, THIS_BOOT, 0, "No record"),  # an older vms_desk's part, or its record was lost
        (5000, 9000, THIS_BOOT, 0, "shorter"),  # the part lost bytes it had on the disk
        (0, 0, EARLIER_BOOT, 0, ""),
    ],
)
def test_what_a_resume_keeps(
    tmp_path: Path, size: int, recorded: int | None, boot: str, keep: int, why: str
) -> None:
    part = tmp_path / "clip.mkv.part"
    leave(part, size, recorded, boot)
    trust = trusted(part, THIS_BOOT)
    assert trust.keep == keep
    assert why in trust.why
    assert bool(why) == bool(trust.why)
    if keep:
        assert trust.check == read_record(part)  # the recorded prefix is checked while re-hashed


def test_no_part_keeps_nothing(tmp_path: Path) -> None:
    assert trusted(tmp_path / "clip.mkv.part", THIS_BOOT).keep == 0


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '"x"', '{"bytes": 10}', '{"bytes": -1, "sha256": "", "boot": ""}',
     '{"bytes": true, "sha256": "", "boot": ""}', '{"bytes": 1.5, "sha256": "", "boot": ""}',
     '{"bytes": 10, "sha256": 5, "boot": ""}'],
)  # fmt: skip
def test_an_unreadable_record_is_no_record(tmp_path: Path, text: str) -> None:
    part = tmp_path / "clip.mkv.part"
    part.write_bytes(b"x" * 100)
    record_path(part).write_text(text)
    assert read_record(part) is None
    assert trusted(part, THIS_BOOT).keep == 0


def test_a_record_is_replaced_whole_and_removed_with_its_leftovers(tmp_path: Path) -> None:
    part = tmp_path / "clip.mkv.part"
    write_record(part, Record(1, "a", THIS_BOOT))
    write_record(part, Record(2, "b", THIS_BOOT))
    assert read_record(part) == Record(2, "b", THIS_BOOT)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mkv.part.durable"]
    (tmp_path / "clip.mkv.part.durable.tmp").write_text("{")  # a crash in the middle of a write
    remove_record(part)
    assert list(tmp_path.iterdir()) == []


def test_boots() -> None:
    assert same_boot("linux:a", "linux:a")
    assert not same_boot("linux:a", "linux:b")
    assert not same_boot("", "")  # unknown is never the same boot: only flushed bytes are kept
    # Windows: the boot's start time, give or take the clock's corrections.
    assert same_boot("win:1000", "win:1002")
    assert not same_boot("win:1000", "win:1003")
    assert not same_boot("win:x", "win:x")
    assert current_boot() == current_boot()
