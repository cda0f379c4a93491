"""Reading VDG Sense exports from a share: the server writes into its own `path`, never over the API.

The mapping is two server settings (`ServerConfig.settings`):
- `share_server_prefix`: a folder as the VDG server names it, e.g. `D:\\Exports` or `/srv/exports`;
- `share_local_path`: the same folder as this workstation reaches it, e.g. `\\\\vdg01\\Exports` or
  `/mnt/vdg-exports`.
An export `path` at or below the prefix maps to the same relative folder below the local path.
Windows-style server paths (a drive letter, a UNC name or backslashes) compare case-insensitively.
Without both settings, or for a path outside the prefix, the files stay on the server.

The export status names no files, so the files of an export are those that are new or changed in the
mapped folder since the export started (a snapshot is taken then). Two exports running into the same
folder at the same time cannot be told apart: give each export its own folder.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vms_desk.core.errors import ConnectionFailed, NotFound
from vms_desk.core.protocol import Download, RemoteFile

CHUNK = 1 << 20
Snapshot = dict[str, list[int]]  # relative path -> [size, mtime_ns]
_WINDOWS = re.compile(r"^([A-Za-z]:|\\\\|//)")


def _parts(server_path: str) -> tuple[tuple[str, ...], bool]:
    """The path's components and whether it is Windows-style (compared case-insensitively)."""
    windows = bool(_WINDOWS.match(server_path)) or "\\" in server_path
    text = server_path.replace("\\", "/") if windows else server_path
    unc = text.startswith("//")
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("/", "//", ".", ""))
    return (("//", *parts) if unc else parts), windows


@dataclass(frozen=True)
class ShareMapping:
    """A server folder prefix and where the workstation reads it."""

    server_prefix: str
    local_path: Path

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ShareMapping | None:
        """The mapping in a server's settings, or None when it has none."""
        prefix = settings.get("share_server_prefix", "").strip()
        local = settings.get("share_local_path", "").strip()
        return cls(prefix, Path(local)) if prefix and local else None

    def local_folder(self, server_path: str) -> Path | None:
        """Where the workstation reads `server_path`, or None when it is outside the prefix."""
        prefix, windows = _parts(self.server_prefix)
        path, path_windows = _parts(server_path.strip())
        fold = windows or path_windows
        head = path[: len(prefix)]
        if fold:
            head, prefix = tuple(p.lower() for p in head), tuple(p.lower() for p in prefix)
        if head != prefix:
            return None
        rest = path[len(prefix) :]
        if ".." in rest:
            return None
        return self.local_path.joinpath(*rest)


def _files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    found = {}
    for item in sorted(folder.rglob("*")):
        # Half-written files (ours: `.name.part`) and hidden files are not part of an export.
        if item.is_file() and not item.name.startswith(".") and not item.name.endswith(".part"):
            found[item.relative_to(folder).as_posix()] = item
    return found


def snapshot(folder: Path) -> Snapshot:
    """Size and modification time of every file under `folder` now (blocking: run in a thread)."""
    result = {}
    for rel, item in _files(folder).items():
        info = item.stat()
        result[rel] = [info.st_size, info.st_mtime_ns]
    return result


def new_files(folder: Path, before: Mapping[str, list[int]]) -> list[RemoteFile]:
    """Files under `folder` that are new or changed since `before` (blocking: run in a thread)."""
    found = []
    for rel, item in _files(folder).items():
        info = item.stat()
        if before.get(rel) == [info.st_size, info.st_mtime_ns]:
            continue
        # Subfolders are flattened into the name; the jobs layer strips anything path-like anyway.
        name = rel.replace("/", "_")
        found.append(RemoteFile(name=name, locator=str(item), size=info.st_size))
    return found


class LocalDownload:
    """A file on the share read in chunks from `offset` (implements core.protocol.Download)."""

    def __init__(self, handle: BinaryIO, offset: int, total: int) -> None:
        self._handle = handle
        self._offset = offset
        self._total = total

    @property
    def offset(self) -> int:
        """Where the first chunk starts."""
        return self._offset

    @property
    def total(self) -> int | None:
        """The file's size."""
        return self._total

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file from `offset` on; reads run in a thread (a share can be slow)."""
        while True:
            try:
                chunk = await asyncio.to_thread(self._handle.read, CHUNK)
            except OSError as exc:
                raise ConnectionFailed(
                    f"Reading the exported file from the share failed ({exc.strerror}); it will be retried.",
                    detail=repr(exc),
                ) from exc
            if not chunk:
                return
            yield chunk


def _open(path: Path, offset: int) -> tuple[BinaryIO, int, int]:
    handle = path.open("rb")
    total = path.stat().st_size
    start = min(offset, total)
    handle.seek(start)
    return handle, start, total


@asynccontextmanager
async def read_local(path: Path, offset: int = 0) -> AsyncIterator[Download]:
    """Open a file on the share from `offset`; a missing file is NotFound, a share error ConnectionFailed."""
    try:
        handle, start, total = await asyncio.to_thread(_open, path, offset)
    except FileNotFoundError as exc:
        raise NotFound(
            f"The exported file {path.name} is no longer in {path.parent}: it was moved or deleted.",
            detail=repr(exc),
        ) from exc
    except OSError as exc:
        raise ConnectionFailed(
            f"The exported file {path} cannot be read from the share ({exc.strerror}). Check that the share "
            "is reachable.",
            detail=repr(exc),
        ) from exc
    try:
        yield LocalDownload(handle, start, total)
    finally:
        await asyncio.to_thread(handle.close)
