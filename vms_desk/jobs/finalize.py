"""The end of a job: re-hash every file from disk and write the manifest; or clean up after a failure."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from vms_desk.core.errors import IntegrityError, VendorError
from vms_desk.core.jobstate import JobState
from vms_desk.core.options import redact
from vms_desk.core.protocol import ExportStatus
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.host import host_name, local_zone_name, utc_offset_over
from vms_desk.evidence.manifest import (
    Actual,
    AppInfo,
    Clock,
    Manifest,
    ManifestEvent,
    ManifestFile,
    Requested,
    Source,
    WorkstationInfo,
    write_manifest,
)
from vms_desk.jobs.credentials import looks_secret
from vms_desk.jobs.download import PART_SUFFIX
from vms_desk.jobs.durable import LEFTOVER_SUFFIXES
from vms_desk.jobs.priority import in_worker_thread
from vms_desk.jobs.records import FileRecord, JobEvent, JobRecord


async def verify_files(folder: Path, files: Sequence[FileRecord]) -> None:
    """Re-read every file from disk: its size and SHA-256 must match what was hashed while writing."""
    for entry in files:
        path = folder / entry.name
        try:
            size, digest = await in_worker_thread(sha256_file, path, name="vms_desk-verify")
        except OSError as exc:
            raise IntegrityError(
                f"{entry.name} disappeared from {folder} before it could be verified.", detail=repr(exc)
            ) from exc
        if size != entry.size or digest != entry.sha256:
            raise IntegrityError(
                f"{entry.name} changed on disk while it was being saved (size or SHA-256 differs); "
                "export it again.",
                detail=f"{entry.name}: wrote {entry.size} bytes {entry.sha256}, read {size} bytes {digest}",
            )


def build_manifest(
    record: JobRecord,
    events: Sequence[JobEvent],
    *,
    created: datetime,
    secret_names: frozenset[str] = frozenset(),
) -> Manifest:
    """The manifest for a finished job (secret options redacted once more, in case)."""
    options = record.request.options
    secrets = secret_names | {name for name in options if looks_secret(name)}
    handle = record.handle
    zone = local_zone_name()
    span = record.request.span
    clock = record.clock
    return Manifest(
        app=AppInfo.current(),
        created=created,
        case=record.case,
        operator=record.operator,
        workstation=WorkstationInfo(
            host=record.workstation or host_name(),
            tz=zone or "unknown",
            utc_offset=utc_offset_over(span.start, span.end, zone),
        ),
        clock=Clock(
            server_offset_s=clock.server_offset_s,
            method=str(clock.method),
            resolution_s=clock.resolution_s,
            measured_at=clock.measured_at,
            source=clock.source,
            reason=clock.reason,
        )
        if clock is not None
        else Clock(
            server_offset_s=None,
            method="unavailable",
            resolution_s=None,
            measured_at=created,
            reason="the clock was not measured before this export (it was queued by an older vms_desk)",
        ),
        source=Source(
            vendor=record.server.vendor.value,
            url=record.server.url,
            camera_id=record.camera_id,
            camera_name=record.camera_name,
            server_version=record.server_version or None,
        ),
        requested=Requested(
            start=record.request.span.start,
            end=record.request.span.end,
            format=record.request.format,
            options=redact(options, frozenset(secrets)),
        ),
        actual=Actual(
            start=record.actual.start if record.actual else None,
            end=record.actual.end if record.actual else None,
        ),
        vendor_export_id=", ".join(handle.export_ids) if handle and handle.export_ids else None,
        files=tuple(ManifestFile(name=f.name, size=f.size, sha256=f.sha256) for f in record.files),
        events=tuple(ManifestEvent(time=e.time, state=str(e.state), detail=e.detail) for e in events),
    )


def write_job_manifest(
    record: JobRecord,
    events: Sequence[JobEvent],
    *,
    done_at: datetime,
    done_detail: str,
    secret_names: frozenset[str] = frozenset(),
) -> Path:
    """Write the manifest into the job's evidence folder, ending with the `done` event."""
    assert record.evidence_dir is not None
    final = [*events, JobEvent(time=done_at, state=JobState.DONE, detail=done_detail)]
    manifest = build_manifest(record, final, created=done_at, secret_names=secret_names)
    return write_manifest(record.evidence_dir, manifest)


def remove_job_files(folder: Path, names: list[str], *, keep_folder: bool) -> None:
    """Delete a job's partial and saved files (its folder is its own), and the folder when empty."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        partial = path.name.endswith((PART_SUFFIX, *LEFTOVER_SUFFIXES))
        if partial or path.name in names or path.name.startswith(".manifest-"):
            with contextlib.suppress(OSError):
                path.unlink()
    if not keep_folder:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: we never delete a folder tree, only our own files


def export_failure(status: ExportStatus) -> VendorError:
    """The error for an export the server reports failed: its sentence, with the vendor's words kept."""
    sentence = status.error or (
        f"The server could not make the export: {status.vendor_error}"
        if status.vendor_error
        else "The server could not make the export."
    )
    return VendorError(
        sentence,
        code=status.vendor_code,
        vendor_text=status.vendor_error,
        detail=f"export failed: code={status.vendor_code!r} text={status.vendor_error!r}",
    )
