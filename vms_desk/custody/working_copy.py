"""'Make working copy': a court-playable MP4 in `working/` beside the master, with its lineage.

The master is only read. Before anything is written its hash is checked against the export's
manifest: a master that changed gets no working copy, since a copy of it would carry the change.
The copy is written as `working/.<name>.part`, hashed, flushed and renamed; `working/manifest.json`
then lists it with `derived_from` (evidence.lineage). On any failure the partial files go, and a
`working/` folder this call created is removed again.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from vms_desk import APP_NAME, __version__
from vms_desk.core.errors import InputError, StorageError, VmsDeskError
from vms_desk.core.times import local_zone, zone_label
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.lineage import WORKING_DIR
from vms_desk.evidence.manifest import MANIFEST_NAME, Manifest, ManifestFile, iso_utc, read_manifest
from vms_desk.evidence.verify import FileCheck, check_manifest

from .auditing import record
from .caption import Caption
from .files import fsync_file, write_json_atomic
from .sealed import open_member
from .video import NotVideo, library_versions, needs_transcode, remux, transcode

VIDEO_SUFFIXES = frozenset({".mkv", ".mp4", ".avi", ".mov", ".asf", ".flv"})


@dataclass(frozen=True)
class WorkingCopy:
    """One working copy: its file, the master it came from, and what was done."""

    path: Path
    size: int
    sha256: str
    master: str
    master_sha256: str
    operation: str
    reason: str
    made: bool  # False when an identical request had already made it


def make_working_copies(
    folder: Path,
    *,
    caption: bool,
    audit: AuditTrail,
    password: str | None = None,
    zone: tzinfo | None = None,
) -> list[WorkingCopy]:
    """Make a working copy of every video master of the export in `folder` (blocking)."""
    manifest, masters = _checked_masters(folder, audit)
    zone = zone or local_zone()
    working = folder / WORKING_DIR
    created_dir = not working.exists()
    results: list[WorkingCopy] = []
    try:
        working.mkdir(exist_ok=True)
        existing = _existing(working)
        for entry in masters:
            results.append(
                _one(
                    folder, manifest, entry, caption=caption, password=password, zone=zone, existing=existing
                )
            )
        if any(r.made for r in results):
            _write_lineage(folder, manifest, existing, results, caption=caption, zone=zone)
    except BaseException:
        for result in results:
            if result.made:
                result.path.unlink(missing_ok=True)
        if created_dir:
            shutil.rmtree(working, ignore_errors=True)
        raise
    _audit(audit, folder, results)
    return results


def _checked_masters(folder: Path, audit: AuditTrail) -> tuple[Manifest, list[ManifestFile]]:
    """The manifest and its video masters, each checked against its SHA-256 first."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise InputError(f"{folder} is not an export folder: it has no manifest.json.")
    manifest = read_manifest(path)
    masters = [f for f in manifest.files if Path(f.name).suffix.lower() in VIDEO_SUFFIXES | {".zip"}]
    if not masters:
        raise InputError(f"{folder} holds no video master (only stills or documents): nothing to copy.")
    check = check_manifest(path)
    bad: list[FileCheck] = [f for f in check.files if not f.ok and f.name in {m.name for m in masters}]
    if bad:
        first = bad[0]
        # A refusal is part of the custody record too: someone tried to work from a changed master.
        record(
            audit,
            "working-copy",
            "refused",
            folder=str(folder),
            changed=[{"file": str(f.path), "status": str(f.status), "sha256": f.actual_sha256} for f in bad],
        )
        raise VmsDeskError(
            f"The master {first.name} no longer matches its manifest ({first.status}: its SHA-256 is "
            f"{first.actual_sha256 or 'unreadable'}, the manifest says {first.expected_sha256}); no working "
            "copy was made from it."
        )
    return manifest, masters


def _existing(working: Path) -> dict[str, dict[str, Any]]:
    """The entries of an existing working/manifest.json, by name (empty when there is none)."""
    path = working / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_bytes())
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(
            f"{path} is damaged or unreadable: move it aside (with the copies it lists) and try again.",
            detail=repr(exc),
        ) from exc
    return {str(e["name"]): e for e in files if isinstance(e, dict) and "name" in e}


def _one(
    folder: Path,
    manifest: Manifest,
    master: ManifestFile,
    *,
    caption: bool,
    password: str | None,
    zone: tzinfo,
    existing: dict[str, dict[str, Any]],
) -> WorkingCopy:
    name = Path(master.name).stem + ("_caption" if caption else "") + ".mp4"
    target = folder / WORKING_DIR / name
    known = existing.get(name)
    if known and target.is_file() and known.get("derived_from", {}).get("sha256") == master.sha256.lower():
        origin = known["derived_from"]
        return WorkingCopy(
            target, int(known["size"]), str(known["sha256"]), origin.get("master", master.name),
            master.sha256.lower(), str(origin.get("operation", "")), "already made", made=False,
        )  # fmt: skip
    part = target.with_name(f".{name}.part")
    with open_member(folder / master.name, master.sha256, password, part.parent) as (source, label):
        try:
            reason = needs_transcode(source, caption=caption)
            if reason is None:
                result = remux(source, part)
            else:
                anchor = manifest.actual.start or manifest.requested.start
                drawer = (
                    Caption(manifest.source.camera_name or manifest.source.camera_id, zone)
                    if caption
                    else None
                )
                result = transcode(source, part, reason, anchor, drawer)
            fsync_file(part)
            size, digest = sha256_file(part)
            part.replace(target)
        except NotVideo as exc:
            part.unlink(missing_ok=True)
            raise VmsDeskError(f"No working copy of {label}: {exc}") from exc
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise StorageError(
                f"The working copy of {label} could not be written in {part.parent}: {exc.strerror}.",
                detail=repr(exc),
            ) from exc
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    operation = result.operation + ("+caption" if caption else "")
    return WorkingCopy(
        target, size, digest, label, master.sha256.lower(), operation, result.reason, made=True
    )


def _write_lineage(
    folder: Path,
    manifest: Manifest,
    existing: dict[str, dict[str, Any]],
    results: list[WorkingCopy],
    *,
    caption: bool,
    zone: tzinfo,
) -> None:
    """working/manifest.json: the export's fields, and each copy with its `derived_from`."""
    data = json.loads((folder / MANIFEST_NAME).read_bytes())
    tool = {"name": APP_NAME, "version": __version__, "libraries": library_versions()}
    files = dict(existing)
    for result in results:
        if not result.made:
            continue
        derived: dict[str, Any] = {
            "sha256": result.master_sha256,
            "master": result.master,
            "operation": result.operation,
            "reason": result.reason,
            "tool": tool,
        }
        if caption:
            anchor = manifest.actual.start or manifest.requested.start
            derived["caption"] = {"zone": zone_label(zone, anchor), "anchor": iso_utc(anchor)}
        files[result.path.name] = {
            "name": result.path.name,
            "size": result.size,
            "sha256": result.sha256,
            "derived_from": derived,
        }
    now = datetime.now(UTC)
    event = {"time": iso_utc(now), "state": "working-copy", "detail": ", ".join(
        f"{r.path.name} ({r.operation} of {r.master})" for r in results if r.made
    )}  # fmt: skip
    data.update(
        created=iso_utc(now),
        app={"name": APP_NAME, "version": __version__, "libraries": library_versions()},
        files=sorted(files.values(), key=lambda e: str(e["name"])),
        events=[*data.get("events", []), event],
    )
    try:
        write_json_atomic(folder / WORKING_DIR / MANIFEST_NAME, data)
    except OSError as exc:
        raise StorageError(
            f"The working copies' manifest could not be written in {folder / WORKING_DIR}: {exc.strerror}.",
            detail=repr(exc),
        ) from exc


def _audit(audit: AuditTrail, folder: Path, results: list[WorkingCopy]) -> None:
    record(
        audit,
        "working-copy",
        folder=str(folder),
        copies=[
            {
                "file": str(r.path),
                "size": r.size,
                "sha256": r.sha256,
                "master": r.master,
                "master_sha256": r.master_sha256,
                "operation": r.operation,
                "made": r.made,
            }
            for r in results
        ],
    )
