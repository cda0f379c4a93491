"""The manifest has exactly DESIGN's fields, no secrets, and is replaced atomically."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vms_desk.core.errors import StorageError
from vms_desk.evidence.manifest import (
    Actual,
    Clock,
    Manifest,
    ManifestEvent,
    ManifestFile,
    Requested,
    Source,
    WorkstationInfo,
    read_manifest,
    write_manifest,
)

T0 = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)


def sample(**changes: object) -> Manifest:
    base = Manifest(
        created=T0,
        case="2026-17",
        operator="alice",
        workstation=WorkstationInfo(host="ws1", tz="Europe/London", utc_offset="+00:00"),
        clock=Clock(
            server_offset_s=90.2, method="http-date", resolution_s=0.51, measured_at=T0, source="HTTP Date"
        ),
        source=Source(
            vendor="axis", url="http://10.0.0.5", camera_id="1", camera_name="Door", server_version="11.9"
        ),
        requested=Requested(start=T0, end=T0.replace(minute=6), format="mkv", options={"password": "***"}),
        actual=Actual(start=T0.replace(second=58, minute=4), end=T0.replace(minute=6)),
        vendor_export_id="abc",
        files=(ManifestFile(name="a.mkv", size=3, sha256="00" * 32),),
        events=(ManifestEvent(time=T0, state="done", detail="ok"),),
    )
    return base.model_copy(update=changes)


def test_fields_are_exactly_the_design(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, sample())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == [
        "format_version",
        "app",
        "created",
        "case",
        "operator",
        "workstation",
        "clock",
        "source",
        "requested",
        "actual",
        "vendor_export_id",
        "files",
        "events",
    ]
    assert data["format_version"] == 2
    assert set(data["app"]) == {"name", "version", "libraries"}
    assert {"python", "qt", "libvlc", "pyav", "vendor_protocols"} <= set(data["app"]["libraries"])
    assert set(data["source"]) == {"vendor", "url", "camera_id", "camera_name", "server_version"}
    assert data["workstation"] == {"host": "ws1", "tz": "Europe/London", "utc_offset": "+00:00"}
    assert data["clock"] == {
        "server_offset_s": 90.2,
        "method": "http-date",
        "resolution_s": 0.51,
        "measured_at": "2026-11-20T13:05:00Z",
        "source": "HTTP Date",
        "reason": "",
    }
    assert set(data["requested"]) == {"start", "end", "format", "options"}
    assert set(data["actual"]) == {"start", "end"}
    assert data["files"] == [{"name": "a.mkv", "size": 3, "sha256": "00" * 32}]
    assert data["events"] == [{"time": "2026-11-20T13:05:00Z", "state": "done", "detail": "ok"}]
    assert data["created"] == "2026-11-20T13:05:00Z"
    assert data["actual"]["start"] == "2026-11-20T13:04:58Z"
    assert data["requested"]["options"] == {"password": "***"}
    assert read_manifest(path) == sample()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_manifest(tmp_path, sample())
    before = first.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StorageError, match="No space left"):
        write_manifest(tmp_path, sample(case="changed"))
    assert first.read_bytes() == before  # the old manifest is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no temp file left


def test_damaged_manifest_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"format_version": 1', encoding="utf-8")
    with pytest.raises(StorageError, match="damaged"):
        read_manifest(path)


def test_a_new_manifest_records_this_programs_libraries_and_an_old_one_keeps_none(tmp_path: Path) -> None:
    written = json.loads(write_manifest(tmp_path, sample()).read_text(encoding="utf-8"))
    assert written["app"]["libraries"]["python"].count(".") == 2
    assert "axis" in written["app"]["libraries"]["vendor_protocols"].split()
    written["app"] = {"name": "vms_desk", "version": "0.0.9"}  # as a manifest before the libraries
    (tmp_path / "manifest.json").write_text(json.dumps(written), encoding="utf-8")
    assert read_manifest(tmp_path / "manifest.json").app.libraries == {}


V1 = {
    "format_version": 1,
    "app": {"name": "vms_desk", "version": "0.9"},
    "created": "2026-11-20T13:05:00Z",
    "case": None,
    "operator": "alice",
    "workstation": "ws1",
    "source": {"vendor": "axis", "url": "http://10.0.0.5", "camera_id": "1", "camera_name": "Door"},
    "requested": {"start": "2026-11-20T13:00:00Z", "end": "2026-11-20T13:01:00Z", "format": "mkv"},
    "actual": {"start": None, "end": None},
    "vendor_export_id": None,
    "files": [{"name": "a.mkv", "size": 3, "sha256": "00" * 32}],
    "events": [],
}


def test_a_version_1_manifest_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(V1), encoding="utf-8")
    manifest = read_manifest(path)
    assert (manifest.format_version, manifest.workstation, manifest.clock) == (1, "ws1", None)
    assert manifest.source.server_version is None


def test_an_unknown_version_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**V1, "format_version": 3}), encoding="utf-8")
    with pytest.raises(StorageError, match="format version 3, which this vms_desk cannot read"):
        read_manifest(path)
