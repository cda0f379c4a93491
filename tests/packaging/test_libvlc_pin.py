"""The Windows build takes libVLC only from the pinned VLC zip, and only the parts the player needs."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import libvlc


def make_zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name in names:
            zipped.writestr(name, b"x" * 10)
    return path


VLC_LAYOUT = [
    "vlc-3.0.21/libvlc.dll",
    "vlc-3.0.21/libvlccore.dll",
    "vlc-3.0.21/vlc.exe",
    "vlc-3.0.21/plugins/codec/libavcodec_plugin.dll",
    "vlc-3.0.21/plugins/plugins.dat",
    "vlc-3.0.21/locale/de/LC_MESSAGES/vlc.mo",
]


def test_the_pin_is_a_sha256_of_the_official_win64_zip() -> None:
    assert libvlc.VLC_URL.startswith("https://get.videolan.org/vlc/3.0.")
    assert libvlc.VLC_URL.endswith("-win64.zip")
    assert len(libvlc.VLC_SHA256) == 64
    int(libvlc.VLC_SHA256, 16)


def test_a_cached_zip_with_the_pinned_hash_is_used_and_unpacked(tmp_path: Path) -> None:
    url = "https://example.invalid/vlc-3.0.21-win64.zip"
    archive = make_zip(tmp_path / "vlc-3.0.21-win64.zip", VLC_LAYOUT)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert libvlc.fetch(tmp_path, url=url, sha256=digest) == archive  # cached: no download
    into = libvlc.extract(archive, tmp_path / "out")
    found = sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file())
    plugins = ["plugins/codec/libavcodec_plugin.dll", "plugins/plugins.dat"]
    assert found == ["libvlc.dll", "libvlccore.dll", *plugins]  # not vlc.exe, not the locales


def test_a_zip_that_is_not_the_pinned_one_is_refused_and_removed(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "vlc-3.0.21-win64.zip", VLC_LAYOUT)
    with pytest.raises(libvlc.VlcPinError, match="not the pinned"):
        libvlc.fetch(tmp_path, url="https://example.invalid/vlc-3.0.21-win64.zip", sha256="0" * 64)
    assert not archive.exists()


def test_an_empty_pin_fails_before_any_download(tmp_path: Path) -> None:
    with pytest.raises(libvlc.VlcPinError, match="no SHA-256 pin"):
        libvlc.fetch(tmp_path, url="https://example.invalid/x.zip", sha256="")


def test_a_zip_without_libvlc_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "other.zip", ["top/readme.txt", "top/plugins/a.dll"])
    with pytest.raises(libvlc.VlcPinError, match=r"lacks libvlc\.dll, libvlccore\.dll"):
        libvlc.extract(archive, tmp_path / "out")
