"""verify() passes on a fresh folder and names every changed, missing or unsafe file."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from vms_desk.evidence.manifest import (
    Actual,
    Manifest,
    ManifestFile,
    Requested,
    Source,
    write_manifest,
)
from vms_desk.evidence.verify import FileStatus, verify


def sample(files: tuple[ManifestFile, ...]) -> Manifest:
    now = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    return Manifest(
        created=now,
        case=None,
        operator="bob",
        workstation="ws",
        source=Source(vendor="axxon-one", url="http://h", camera_id="c", camera_name="C"),
        requested=Requested(start=now, end=now, format="jpg"),
        actual=Actual(),
        vendor_export_id=None,
        files=files,
        events=(),
    )


def make_evidence(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    entries = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        entries.append(ManifestFile(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest()))
    return write_manifest(folder, sample(tuple(entries)))


def test_fresh_evidence_passes(tmp_path: Path) -> None:
    make_evidence(tmp_path / "case" / "one", {"a.mkv": b"a" * 1000, "b.jpg": b"b" * 10})
    make_evidence(tmp_path / "case" / "two", {"c.mkv": b"c"})
    report = verify(tmp_path)
    assert report.ok
    assert len(report.manifests) == 2
    assert report.file_count == 3


def test_one_changed_byte_is_named(tmp_path: Path) -> None:
    make_evidence(tmp_path / "one", {"a.mkv": b"a" * 1000, "b.jpg": b"b" * 10})
    target = tmp_path / "one" / "a.mkv"
    data = bytearray(target.read_bytes())
    data[500] ^= 1
    target.write_bytes(bytes(data))
    report = verify(tmp_path)
    assert not report.ok
    assert [(p.name, p.status) for p in report.problems] == [("a.mkv", FileStatus.CHANGED)]
    assert report.problems[0].actual_size == 1000  # same size, different hash


def test_missing_file_is_named(tmp_path: Path) -> None:
    make_evidence(tmp_path / "one", {"a.mkv": b"a", "b.jpg": b"b"})
    (tmp_path / "one" / "b.jpg").unlink()
    report = verify(tmp_path)
    assert [(p.name, p.status) for p in report.problems] == [("b.jpg", FileStatus.MISSING)]


def test_manifest_paths_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x")
    folder = tmp_path / "ev"
    folder.mkdir()
    entry = ManifestFile(name="../secret.txt", size=1, sha256=hashlib.sha256(b"x").hexdigest())
    write_manifest(folder, sample((entry,)))
    report = verify(folder)
    assert [p.status for p in report.problems] == [FileStatus.UNSAFE]


def test_no_manifest_is_not_ok(tmp_path: Path) -> None:
    assert not verify(tmp_path).ok


def test_damaged_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("nope", encoding="utf-8")
    report = verify(tmp_path)
    assert not report.ok
    assert report.manifests[0].error
