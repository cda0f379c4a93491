"""sha256_file: the same answer whether the file is read through the page cache or with O_DIRECT."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from vms_desk.evidence import hashing
from vms_desk.evidence.hashing import DIRECT_MIN_BYTES, sha256_file


@pytest.fixture(params=["direct", "plain"])
def direct_io(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """With O_DIRECT for large files (where the OS has it), and without."""
    if request.param == "direct" and not hashing.DIRECT_IO:
        pytest.skip("no O_DIRECT on this platform")
    monkeypatch.setattr(hashing, "DIRECT_IO", request.param == "direct")
    return request.param == "direct"


@pytest.mark.parametrize("size", [0, 5, DIRECT_MIN_BYTES - 1, DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 12_345])
def test_sizes_around_the_direct_threshold(direct_io: bool, tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "clip.mkv"
    path.write_bytes(data)  # not synced: a direct read must still see what the page cache holds
    assert sha256_file(path) == (size, hashlib.sha256(data).hexdigest())


def test_a_missing_file_raises_file_not_found(direct_io: bool, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "gone.mkv")
