"""`bundle CASE --out DIR`: copies (never moves) a case's exports into one folder that checks itself.

The bundle is built in a hidden sibling folder `.DIR.partial-…` that holds `BUNDLE-INCOMPLETE.txt`
from its first byte. Every evidence file is copied block by block and hashed as it is written, and
must equal its manifest's SHA-256. The bundle manifest is written last, the marker removed, and only
then is the folder renamed to DIR: a crash leaves a `.partial` folder that `verify` calls unfinished,
never a DIR that looks done. On an error the partial folder is removed.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from vms_desk import APP_NAME, __version__
from vms_desk.core.errors import InputError, StorageError, VmsDeskError
from vms_desk.core.times import local_zone
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.bundle_check import BUNDLE_FORMAT, BUNDLE_MANIFEST, INCOMPLETE_MARKER
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.lineage import WORKING_DIR
from vms_desk.evidence.manifest import MANIFEST_NAME, iso_utc
from vms_desk.evidence.naming import safe_name
from vms_desk.evidence.verify import verify

from .auditing import record
from .case import CaseFile
from .exhibits import Exhibit, read_exhibits
from .files import copy_hashed, write_json_atomic
from .html_page import PageExhibit, index_html
from .report import generated_now
from .report_pdf import build_pdf
from .thumbs import write_thumbnail
from .verify_text import sha256sums, verify_text

SPACE_MARGIN = 16 * 1024 * 1024  # the page, the report and the thumbnails, generously


@dataclass(frozen=True)
class BundleResult:
    """The finished bundle: its folder, its manifest's SHA-256, how many files and bytes."""

    folder: Path
    manifest_sha256: str
    files: int
    bytes: int


def make_bundle(case: CaseFile, out: Path, *, audit: AuditTrail, zone: tzinfo | None = None) -> BundleResult:
    """Build the bundle of `case` in `out` (a new or empty folder); blocking."""
    _check_target(out)
    zone = zone or local_zone()
    exhibits = read_exhibits(case.evidence_dirs)
    _check_space(out.parent, exhibits)
    staging = out.parent / f".{out.name}.partial-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
        (staging / INCOMPLETE_MARKER).write_text(
            "This folder is a case bundle that was never finished: it is not evidence.\n", encoding="utf-8"
        )
        hashes = _fill(staging, case, exhibits, zone)
        bundle_sha = _seal(staging, case, hashes)
        (staging / INCOMPLETE_MARKER).unlink()
        if out.exists():
            out.rmdir()  # checked empty above
        staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(
            f"The bundle could not be written in {out.parent}: {exc.strerror or exc}; "
            "nothing was left behind.",
            detail=repr(exc),
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result = BundleResult(out, bundle_sha, len(hashes), sum(size for size, _ in hashes.values()))
    record(
        audit,
        "bundle",
        case=case.header.number,
        folder=str(out),
        bundle_manifest={"path": str(out / BUNDLE_MANIFEST), "sha256": bundle_sha},
        files=[{"path": p, "size": s, "sha256": h} for p, (s, h) in sorted(hashes.items())],
    )
    return result


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} is not an empty folder: a bundle goes into a new or empty folder.")
    if not out.parent.is_dir():
        raise InputError(f"The folder {out.parent} does not exist: choose where the bundle goes.")


def _check_space(parent: Path, exhibits: list[Exhibit]) -> None:
    needed = sum(f.size for e in exhibits for f in e.files) + SPACE_MARGIN
    free = shutil.disk_usage(parent).free
    if free < needed:
        raise StorageError(
            f"The disk of {parent} has {free / 1e6:,.1f} MB free but the bundle needs about "
            f"{needed / 1e6:,.1f} MB: nothing was written; choose another disk."
        )


def _fill(staging: Path, case: CaseFile, exhibits: list[Exhibit], zone: tzinfo) -> dict[str, tuple[int, str]]:
    """Copy the exhibits, make thumbnails, the report, the page and VERIFY.txt; their hashes by path."""
    hashes: dict[str, tuple[int, str]] = {}
    (staging / "thumbs").mkdir()
    items = [_copy_exhibit(staging, exhibit, hashes) for exhibit in exhibits]
    generated = generated_now()
    build_pdf(
        staging / "report.pdf",
        case=case.header,
        exhibits=read_exhibits(tuple(staging / i.folder for i in items)),
        audit=case.audit,
        verification=verify(staging / "exhibits"),
        generated=generated,
        zone=zone,
    )
    (staging / "index.html").write_text(
        index_html(case.header.number, items, generated.at, generated.user, zone), encoding="utf-8"
    )
    for generated_name in ("report.pdf", "index.html"):
        hashes[generated_name] = sha256_file(staging / generated_name)
    for item in items:
        if item.thumbnail:
            hashes[item.thumbnail] = sha256_file(staging / item.thumbnail)
    sums = sha256sums(hashes)
    (staging / "SHA256SUMS.txt").write_text(sums, encoding="utf-8", newline="\n")
    hashes["SHA256SUMS.txt"] = sha256_file(staging / "SHA256SUMS.txt")
    (staging / "VERIFY.txt").write_text(verify_text(case.header.number), encoding="utf-8")
    hashes["VERIFY.txt"] = sha256_file(staging / "VERIFY.txt")
    return hashes


def _copy_exhibit(staging: Path, exhibit: Exhibit, hashes: dict[str, tuple[int, str]]) -> PageExhibit:
    """Copy one export folder (its listed files, manifests and working copies) and make its thumbnail."""
    folder = f"exhibits/{exhibit.exhibit_id}_{safe_name(exhibit.folder.name, 'export', limit=90)}"
    target = staging / folder
    (target / WORKING_DIR).mkdir(parents=True)
    names: list[tuple[str, str | None]] = [(f.name, f.sha256) for f in exhibit.files]
    names.append((MANIFEST_NAME, exhibit.manifest_sha256))
    if (exhibit.folder / WORKING_DIR / MANIFEST_NAME).is_file():
        names.append((f"{WORKING_DIR}/{MANIFEST_NAME}", None))
    for name, expected in names:
        try:
            hashes[f"{folder}/{name}"] = copy_hashed(exhibit.folder / name, target / name, expected)
        except ValueError as exc:
            raise VmsDeskError(
                f"{exhibit.folder / name} no longer matches its manifest: no bundle was made ({exc})."
            ) from exc
    if not any(f.derived_from for f in exhibit.files):
        (target / WORKING_DIR).rmdir()
    # The page plays a captioned copy first (camera and recorded time, zone named, on the picture),
    # then any working copy, then an MP4 master; every file stays linked below it.
    mp4s = [f for f in exhibit.files if f.name.lower().endswith(".mp4")]
    ranked = sorted(
        mp4s,
        key=lambda f: (
            not f.derived_from,
            "caption" not in (f.derived_from.operation if f.derived_from else ""),
        ),
    )
    playable = ranked[0] if ranked else None
    thumbnail = f"thumbs/{exhibit.exhibit_id}.jpg"
    sources = [f for f in exhibit.files if f.is_video and not f.derived_from] + [
        f for f in exhibit.files if f.is_video
    ]
    made = any(write_thumbnail(target / f.name, staging / thumbnail) for f in sources[:2])
    return PageExhibit(
        exhibit=exhibit,
        folder=folder,
        thumbnail=thumbnail if made else None,
        playable=f"{folder}/{playable.name}" if playable else None,
    )


def _seal(staging: Path, case: CaseFile, hashes: dict[str, tuple[int, str]]) -> str:
    """Write the bundle manifest (every file, sorted) and return its SHA-256."""
    on_disk = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    on_disk.discard(INCOMPLETE_MARKER)
    if on_disk != set(hashes):  # every file must have been hashed as it was written
        raise VmsDeskError(f"The bundle holds files that were not hashed: {sorted(on_disk ^ set(hashes))}.")
    data = {
        "format": BUNDLE_FORMAT,
        "format_version": 1,
        "case": case.header.number,
        "created": iso_utc(datetime.now(UTC)),
        "app": {"name": APP_NAME, "version": __version__},
        "files": [{"path": p, "size": s, "sha256": h} for p, (s, h) in sorted(hashes.items())],
    }
    write_json_atomic(staging / BUNDLE_MANIFEST, data)
    _fsync_dir(staging)
    return sha256_file(staging / BUNDLE_MANIFEST)[1]


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":  # Windows cannot open a directory for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
