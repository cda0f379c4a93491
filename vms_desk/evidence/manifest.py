"""The evidence manifest (`manifest.json`): who, when, from where, what was asked, what came back.

The fields are fixed by DESIGN.md (Evidence folder and manifest); readers of other tools rely on them.
Secret option values are redacted before they reach a Manifest; the URL carries no credentials.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from vms_desk import APP_NAME, __version__
from vms_desk.core.errors import StorageError
from vms_desk.evidence.host import library_versions as byte_libraries
from vms_desk.versions import library_versions

FORMAT_VERSION = 2  # 2 adds clock, source.server_version, workstation{...}, app.libraries
READABLE_VERSIONS = (1, 2)
MANIFEST_NAME = "manifest.json"


def iso_utc(value: datetime) -> str:
    """An aware time as ISO 8601 UTC with a Z (microseconds only when present)."""
    utc = value.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


UtcTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class AppInfo(_Frozen):
    """The program that wrote the manifest, and (v2) the libraries that touched the bytes."""

    name: str = APP_NAME
    version: str = __version__
    # Python, Qt, libVLC, PyAV, the vendor protocols (what `vms-desk --version` prints) and the libraries
    # that carried the bytes (httpx, h11, OpenSSL...); empty when read from a manifest that predates them.
    libraries: dict[str, str] = {}

    @classmethod
    def current(cls) -> AppInfo:
        """This running program, with its library versions."""
        return cls(libraries={**byte_libraries(), **library_versions()})


class Clock(_Frozen):
    """(v2) The server's clock minus this workstation's, in seconds, and how it was measured."""

    server_offset_s: float | None
    method: str  # vendor | http-date | unavailable
    resolution_s: float | None
    measured_at: UtcTime
    source: str = ""
    reason: str = ""  # why it could not be read (method unavailable)


class WorkstationInfo(_Frozen):
    """(v2) The computer that made the export: host name, IANA time zone and its UTC offset."""

    host: str
    tz: str
    utc_offset: str  # e.g. "+01:00", or "+01:00..+02:00" when the span crosses a change


class Source(_Frozen):
    """Where the evidence came from (no credentials in the URL)."""

    vendor: str
    url: str
    camera_id: str
    camera_name: str
    server_version: str | None = None  # v2: as the server reported it


class Requested(_Frozen):
    """What the operator asked for; secret options are `***`."""

    start: UtcTime
    end: UtcTime
    format: str
    options: dict[str, Any] = {}


class Actual(_Frozen):
    """What the server reported it exported (e.g. Axis' key-frame start), when it says."""

    start: UtcTime | None = None
    end: UtcTime | None = None


class ManifestFile(_Frozen):
    """One evidence file: its name in the folder, size and SHA-256 (hex)."""

    name: str
    size: int
    sha256: str


class ManifestEvent(_Frozen):
    """One step of the job's history."""

    time: UtcTime
    state: str
    detail: str = ""


class Manifest(_Frozen):
    """The whole manifest.json."""

    format_version: int = FORMAT_VERSION
    app: AppInfo = Field(default_factory=AppInfo.current)
    created: UtcTime
    case: str | None
    operator: str | None
    workstation: WorkstationInfo | str  # v1: the host name only
    clock: Clock | None = None  # v2
    source: Source
    requested: Requested
    actual: Actual
    vendor_export_id: str | None
    files: tuple[ManifestFile, ...]
    events: tuple[ManifestEvent, ...]


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write `folder/manifest.json` atomically: a temp file, flushed to disk, then renamed."""
    target = folder / MANIFEST_NAME
    text = json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".manifest-", suffix=".tmp")
    except OSError as exc:
        raise StorageError(
            f"The manifest cannot be written in {folder}: {exc.strerror}.", detail=repr(exc)
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(
            f"The manifest cannot be written in {folder}: {exc.strerror}.", detail=repr(exc)
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_manifest(path: Path) -> Manifest:
    """Parse a manifest.json (version 1 or 2); StorageError with a sentence when it is unreadable,
    malformed, or of a version this build does not know."""
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise StorageError(f"The manifest {path} cannot be read: {exc.strerror}.", detail=repr(exc)) from exc
    except ValueError as exc:
        raise StorageError(
            f"The manifest {path} is damaged or not a vms_desk manifest.", detail=str(exc)
        ) from exc
    if manifest.format_version not in READABLE_VERSIONS:
        raise StorageError(
            f"The manifest {path} is format version {manifest.format_version}, which this vms_desk "
            "cannot read: update vms_desk to verify it."
        )
    return manifest
