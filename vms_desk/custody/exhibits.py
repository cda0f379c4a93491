"""Evidence folders read as exhibits: camera, source, spans, clock, and each file with its lineage.

Manifest version 1 is read through the manifest model; the version 2 fields (`clock`,
`source.server_version`) are read from the raw JSON when present, so either version reads here and
a missing field is shown as "not recorded" rather than guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.lineage import WORKING_DIR, DerivedFrom, derived_entries
from vms_desk.evidence.manifest import MANIFEST_NAME, Manifest, read_manifest

CLOCK_WARN_S = 2.0
VIDEO_SUFFIXES = frozenset({".mkv", ".mp4", ".avi", ".mov", ".asf", ".flv", ".ts", ".264", ".h264"})


@dataclass(frozen=True)
class Clock:
    """The server's clock against the workstation's at export time (manifest v2 `clock`)."""

    offset_s: float | None
    method: str
    resolution_s: float | None


@dataclass(frozen=True)
class ExhibitFile:
    """One file of an exhibit, by its path inside the export folder (`working/…` for copies)."""

    name: str
    path: Path
    size: int
    sha256: str
    derived_from: DerivedFrom | None = None

    @property
    def role(self) -> str:
        """'master' for the vendor's file, 'working copy' for a derived one."""
        return "working copy" if self.derived_from else "master"

    @property
    def is_video(self) -> bool:
        """True for a video container (by its suffix)."""
        return Path(self.name).suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True)
class Exhibit:
    """One export folder as the report and the bundle show it."""

    exhibit_id: str
    folder: Path
    manifest: Manifest
    manifest_sha256: str
    server_version: str | None
    clock: Clock | None
    files: tuple[ExhibitFile, ...]

    @property
    def camera(self) -> str:
        """The camera's name, or its id."""
        return self.manifest.source.camera_name or self.manifest.source.camera_id

    @property
    def actual(self) -> tuple[datetime | None, datetime | None]:
        """What the server reported it exported."""
        return self.manifest.actual.start, self.manifest.actual.end

    def working_copies(self, master: ExhibitFile) -> list[ExhibitFile]:
        """The working copies made from `master`."""
        return [f for f in self.files if f.derived_from and f.derived_from.sha256 == master.sha256]


def read_exhibits(folders: tuple[Path, ...]) -> list[Exhibit]:
    """Every folder read and numbered E01, E02… by requested start, camera and folder name."""
    loaded = [_load(folder) for folder in folders]
    loaded.sort(key=lambda x: (x[0].requested.start, x[0].source.camera_name, str(x[1])))
    return [_exhibit(f"E{n:02d}", manifest, folder) for n, (manifest, folder) in enumerate(loaded, 1)]


def _load(folder: Path) -> tuple[Manifest, Path]:
    if not (folder / MANIFEST_NAME).is_file():
        raise StorageError(f"The evidence folder {folder} has no manifest.json: it was moved or removed.")
    return read_manifest(folder / MANIFEST_NAME), folder


def _exhibit(exhibit_id: str, manifest: Manifest, folder: Path) -> Exhibit:
    raw = _raw(folder / MANIFEST_NAME)
    files = [ExhibitFile(f.name, folder / f.name, f.size, f.sha256.lower()) for f in manifest.files]
    working = folder / WORKING_DIR / MANIFEST_NAME
    if working.is_file():
        lineage = derived_entries(working)
        files += [
            ExhibitFile(
                f"{WORKING_DIR}/{f.name}",
                working.parent / f.name,
                f.size,
                f.sha256.lower(),
                lineage.get(f.name),
            )
            for f in read_manifest(working).files
        ]
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    version = source.get("server_version") if isinstance(source, dict) else None
    return Exhibit(
        exhibit_id=exhibit_id,
        folder=folder,
        manifest=manifest,
        manifest_sha256=sha256_file(folder / MANIFEST_NAME)[1],
        server_version=str(version) if version else None,
        clock=_clock(raw.get("clock")),
        files=tuple(files),
    )


def _raw(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _clock(value: Any) -> Clock | None:
    if not isinstance(value, dict):
        return None
    return Clock(
        offset_s=_number(value.get("server_offset_s")),
        method=str(value.get("method") or "unknown"),
        resolution_s=_number(value.get("resolution_s")),
    )


def clock_text(clock: Clock | None) -> str:
    """The clock offset as the report prints it."""
    if clock is None:
        return "not recorded"
    if clock.offset_s is None:
        return f"unavailable ({clock.method})"
    resolution = f" ±{clock.resolution_s:g} s" if clock.resolution_s else ""
    # Beyond 2 s the recorded times need the offset applied before they are compared with other sources.
    warning = "; more than 2 s off" if abs(clock.offset_s) > CLOCK_WARN_S else ""
    return f"{clock.offset_s:+.3f} s{resolution} ({clock.method}){warning}"
