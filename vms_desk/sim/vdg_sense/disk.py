"""The VDG simulator's server disk: export paths (Windows, UNC or POSIX) mapped into the work folder.

`D:\\Exports\\case 1` lands in `<workdir>/vdg-server-disk/D/Exports/case 1`, `\\\\nas\\share\\x` in
`.../UNC/nas/share/x` and `/srv/exports` in `.../srv/exports`, so tests can find the files. Windows paths
are matched case-insensitively against what exists, as a Windows server would.
"""

from __future__ import annotations

import re
from pathlib import Path

from vms_desk.sim.base import SimState

DISK = "vdg-server-disk"
DRIVES = frozenset("CDEF")  # the simulated server's drives; any other letter does not exist
FULL_DRIVES = frozenset("F")  # F: is full, so the -60 error can be shown
_WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f]')
_DRIVE = re.compile(r"^([A-Za-z]):[\\/]")


class PathRefused(Exception):
    """The server cannot use an export path: VDG error code and description."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


def disk_root(state: SimState) -> Path:
    """The folder that stands for the server's disks."""
    return state.workdir / DISK


def _child(folder: Path, name: str, fold_case: bool) -> Path:
    """`folder/name`, reusing an existing entry whose name differs only in case on Windows paths."""
    if fold_case and folder.is_dir():
        for entry in folder.iterdir():
            if entry.name.lower() == name.lower():
                return entry
    return folder / name


def map_server_path(state: SimState, raw: str) -> Path:
    """The local folder standing for server path `raw`, created; PathRefused with the VDG code if not."""
    text = raw.strip()
    drive = _DRIVE.match(text)
    if drive:
        letter = drive.group(1).upper()
        if letter not in DRIVES:
            raise PathRefused(-58, f"Incorrect path: drive {letter}: does not exist")
        if letter in FULL_DRIVES:
            raise PathRefused(-60, f"Not enough disk space on drive {letter}:")
        root, rest, windows = [letter], text[3:], True
    elif text.startswith(("\\\\", "//")):
        host_share = re.split(r"[\\/]+", text[2:], maxsplit=2)
        if len(host_share) < 2 or not all(host_share[:2]):
            raise PathRefused(-58, "Incorrect path: a network path needs a server and a share")
        root, rest, windows = ["UNC", *host_share[:2]], (host_share[2:] or [""])[0], True
    elif text.startswith("/"):
        root, rest, windows = [], text, False
    else:
        raise PathRefused(-58, "Incorrect path: give an absolute path on the server")
    folder = disk_root(state)
    for part in [*root, *re.split(r"[\\/]+" if windows else r"/+", rest)]:
        if part in ("", "."):
            continue
        if part == ".." or (windows and (_WINDOWS_ILLEGAL.search(part) or part != part.rstrip(". "))):
            raise PathRefused(-61, f"Unable to create directory: invalid folder name {part!r}")
        folder = _child(folder, part, windows)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        inside = folder.resolve().is_relative_to(disk_root(state).resolve())
    except OSError as exc:
        raise PathRefused(-61, f"Unable to create directory: {exc.strerror}") from exc
    if not inside:
        raise PathRefused(-61, "Unable to create directory outside the export disk")
    return folder
