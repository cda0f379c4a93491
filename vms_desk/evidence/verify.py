"""Offline verification: every manifest.json under a folder, every file's size and SHA-256.

Working copies (`working/manifest.json`) are also checked against their master: the master they name
must be in the export's manifest and still match it. Case bundles are checked by their own manifest
(`evidence.bundle_check`): every file in the bundle, and nothing added.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from vms_desk.core.errors import StorageError
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.lineage import DerivedFrom, derived_entries, master_manifest
from vms_desk.evidence.manifest import MANIFEST_NAME, ManifestFile, read_manifest
from vms_desk.evidence.naming import safe_name


class FileStatus(StrEnum):
    """What verification found for one file."""

    OK = "ok"
    CHANGED = "changed"  # size or SHA-256 differs from the manifest
    MISSING = "missing"
    UNSAFE = "unsafe"  # the manifest names a path outside its folder: not followed
    LINEAGE = "lineage-broken"  # a derived file's master is not in the export's manifest, or changed
    UNLISTED = "unlisted"  # a file in a bundle that its bundle manifest does not list (added later)


@dataclass(frozen=True)
class FileCheck:
    """One file listed in a manifest and what was found on disk."""

    name: str
    path: Path
    status: FileStatus
    expected_size: int
    expected_sha256: str
    actual_size: int | None = None
    actual_sha256: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file matches its manifest entry."""
        return self.status is FileStatus.OK


@dataclass(frozen=True)
class ManifestCheck:
    """One manifest: its files' results, or the reason it could not be read."""

    manifest: Path
    files: tuple[FileCheck, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the manifest was read and every file matches."""
        return self.error is None and all(f.ok for f in self.files)


@dataclass(frozen=True)
class VerifyReport:
    """The result for a whole folder."""

    root: Path
    manifests: tuple[ManifestCheck, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when at least one manifest was found and everything matches."""
        return bool(self.manifests) and all(m.ok for m in self.manifests)

    @property
    def problems(self) -> list[FileCheck]:
        """Every file that is not ok."""
        return [f for m in self.manifests for f in m.files if not f.ok]

    @property
    def file_count(self) -> int:
        """How many files the manifests list."""
        return sum(len(m.files) for m in self.manifests)


def _check_file(folder: Path, entry: ManifestFile) -> FileCheck:
    target = folder / entry.name

    def result(status: FileStatus, size: int | None = None, digest: str | None = None) -> FileCheck:
        return FileCheck(entry.name, target, status, entry.size, entry.sha256.lower(), size, digest)

    # A manifest is data, not instructions: a name with path parts is never followed.
    if safe_name(entry.name) != entry.name:
        return result(FileStatus.UNSAFE)
    if not target.is_file():
        return result(FileStatus.MISSING)
    try:
        size, digest = sha256_file(target)
    except OSError:
        return result(FileStatus.MISSING)
    same = size == entry.size and digest == entry.sha256.lower()
    return result(FileStatus.OK if same else FileStatus.CHANGED, size, digest)


def check_manifest(path: Path) -> ManifestCheck:
    """Verify the files of one manifest against the disk (blocking: hashes every file)."""
    try:
        manifest = read_manifest(path)
    except StorageError as exc:
        return ManifestCheck(manifest=path, error=str(exc))
    return ManifestCheck(manifest=path, files=tuple(_check_file(path.parent, e) for e in manifest.files))


def find_manifests(root: Path) -> list[Path]:
    """Every manifest.json under `root` (or `root` itself when it is one), sorted."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob(MANIFEST_NAME) if p.is_file())


def verify(root: Path) -> VerifyReport:
    """Check every manifest and bundle under `root` (blocking; run it in a thread from async code)."""
    from vms_desk.evidence.bundle_check import check_bundles

    checks = {p: check_manifest(p) for p in find_manifests(root)}
    lineage = [_with_lineage(check, checks) for check in checks.values()]
    return VerifyReport(root=root, manifests=(*lineage, *check_bundles(root)))


def _with_lineage(check: ManifestCheck, checks: dict[Path, ManifestCheck]) -> ManifestCheck:
    """The check with each derived file whose master is not (or no longer) its master marked."""
    derived = derived_entries(check.manifest) if check.error is None else {}
    if not derived:
        return check
    parent_path = master_manifest(check.manifest)
    parent = checks.get(parent_path) or check_manifest(parent_path)
    files = tuple(
        dataclasses.replace(f, status=FileStatus.LINEAGE)
        if f.ok and f.name in derived and not _master_holds(parent, derived[f.name])
        else f
        for f in check.files
    )
    return dataclasses.replace(check, files=files)


def _master_holds(parent: ManifestCheck, origin: DerivedFrom) -> bool:
    """True when the export's manifest lists the named master with that SHA-256 and it still matches."""
    name = origin.master.split("!", 1)[0]
    return parent.error is None and any(
        f.ok and f.expected_sha256 == origin.sha256.lower() and (not name or f.name == name)
        for f in parent.files
    )
