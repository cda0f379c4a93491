"""Checking a case bundle: its bundle manifest hashes every file in the bundle, and nothing else is there.

A bundle is written in a folder named `<out>.partial-…` holding `BUNDLE-INCOMPLETE.txt`; the marker goes
only after the last byte and the bundle manifest are on disk, and then the folder is renamed to `<out>`.
A folder that still holds the marker is reported as unfinished, never taken for a bundle.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.naming import safe_name
from vms_desk.evidence.verify import FileCheck, FileStatus, ManifestCheck

BUNDLE_MANIFEST = "bundle-manifest.json"
INCOMPLETE_MARKER = "BUNDLE-INCOMPLETE.txt"
BUNDLE_FORMAT = "vms_desk case bundle"
# Files a desktop writes into any folder it shows (thumbnail caches, view settings): not evidence, and
# not a change to any file of the bundle, so they are not reported as added.
DESKTOP_LITTER = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


def check_bundles(root: Path) -> list[ManifestCheck]:
    """Every bundle under `root` checked, and every unfinished one reported (blocking)."""
    if root.is_file():
        return []
    unfinished = [
        ManifestCheck(
            manifest=marker,
            error=f"{marker.parent} is a bundle whose writing never finished (a crash or a full disk): "
            "it is not evidence; make the bundle again.",
        )
        for marker in sorted(root.rglob(INCOMPLETE_MARKER))
    ]
    return unfinished + [check_bundle(p) for p in sorted(root.rglob(BUNDLE_MANIFEST)) if p.is_file()]


def _safe_relative(text: str) -> PurePosixPath | None:
    """The listed path when every part is a plain safe name (a manifest is data: `..` is never followed)."""
    path = PurePosixPath(text)
    if path.is_absolute() or not path.parts or any(safe_name(p) != p for p in path.parts):
        return None
    return path


def check_bundle(path: Path) -> ManifestCheck:
    """Hash every file the bundle manifest lists; list every file it does not (blocking)."""
    folder = path.parent
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != BUNDLE_FORMAT:
            raise ValueError("not a bundle manifest")
        entries = [(str(e["path"]), int(e["size"]), str(e["sha256"]).lower()) for e in data["files"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return ManifestCheck(manifest=path, error=f"The bundle manifest {path} is damaged: {exc}.")
    checks: list[FileCheck] = []
    listed: set[Path] = set()
    for name, size, digest in entries:
        relative = _safe_relative(name)
        target = folder.joinpath(*relative.parts) if relative else folder / "?"
        listed.add(target)

        def result(status: FileStatus, got_size: int | None = None, got: str | None = None) -> FileCheck:
            return FileCheck(name, target, status, size, digest, got_size, got)  # noqa: B023

        if relative is None:
            checks.append(result(FileStatus.UNSAFE))
        elif not target.is_file():
            checks.append(result(FileStatus.MISSING))
        else:
            got_size, got = sha256_file(target)
            same = got_size == size and got == digest
            checks.append(result(FileStatus.OK if same else FileStatus.CHANGED, got_size, got))
    extras = (p for p in folder.rglob("*") if p.is_file() and p not in listed and p != path)
    for extra in sorted(p for p in extras if p.name.lower() not in DESKTOP_LITTER):
        name = extra.relative_to(folder).as_posix()
        checks.append(FileCheck(name, extra, FileStatus.UNLISTED, 0, ""))
    return ManifestCheck(manifest=path, files=tuple(checks))
