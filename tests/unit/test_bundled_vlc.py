"""The frozen app points python-vlc at its own libVLC only when a complete one is bundled."""

from __future__ import annotations

from pathlib import Path

from vms_desk.bundled_vlc import LIB_ENV, PLUGINS_ENV, use_bundled_libvlc


def make_bundle(root: Path, *, files: tuple[str, ...] = ("libvlc.dll", "libvlccore.dll")) -> Path:
    folder = root / "vlc"
    (folder / "plugins" / "codec").mkdir(parents=True)
    for name in files:
        (folder / name).write_bytes(b"MZ")
    return folder


def test_a_complete_bundle_is_used(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path)
    env: dict[str, str] = {}
    assert use_bundled_libvlc(tmp_path, env) == folder
    assert env == {LIB_ENV: str(folder / "libvlc.dll"), PLUGINS_ENV: str(folder / "plugins")}


def test_the_users_own_libvlc_wins(tmp_path: Path) -> None:
    make_bundle(tmp_path)
    env = {LIB_ENV: r"C:\VLC\libvlc.dll"}
    assert use_bundled_libvlc(tmp_path, env) is None
    assert env == {LIB_ENV: r"C:\VLC\libvlc.dll"}


def test_an_incomplete_bundle_is_ignored(tmp_path: Path) -> None:
    # python-vlc would exit the whole process on a library that does not load; the player explains instead.
    make_bundle(tmp_path, files=("libvlc.dll",))
    env: dict[str, str] = {}
    assert use_bundled_libvlc(tmp_path, env) is None
    assert env == {}


def test_running_from_source_changes_nothing() -> None:
    env: dict[str, str] = {}
    assert use_bundled_libvlc(None, env) is None  # not frozen: no bundle root
    assert env == {}
