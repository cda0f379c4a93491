"""Real export folders for the custody tests: H.264 made by the simulators' media code, real manifests.

A module of its own (not conftest) so that tests and subprocesses import it by a unique name."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyzipper

from vms_desk.evidence.manifest import Actual, Manifest, ManifestFile, Requested, Source, write_manifest
from vms_desk.sim.media import render_video

START = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
ZIP_PASSWORD = "s3cret-zip"


def make_export(
    folder: Path,
    *,
    camera: str = "Cash Desk",
    container: str = "mkv",
    seconds: int = 3,
    start: datetime = START,
    zipped: bool = False,
    v2: dict[str, Any] | None = None,
) -> Path:
    """An export folder with one real H.264 master (or an AES ZIP of it) and its manifest."""
    folder.mkdir(parents=True)
    end = start + timedelta(seconds=seconds)
    video = folder / f"clip.{container}"
    render_video(video, camera_name=camera, start=start, end=end, container=container)  # type: ignore[arg-type]
    master = video
    if zipped:
        master = folder / "ABC123.zip"
        with pyzipper.AESZipFile(
            master, "w", compression=pyzipper.ZIP_STORED, encryption=pyzipper.WZ_AES
        ) as zf:
            zf.setpassword(ZIP_PASSWORD.encode())
            zf.write(video, video.name)
        video.unlink()
    data = master.read_bytes()
    manifest = Manifest(
        created=end,
        case="2026-0042",
        operator="D. Finch",
        workstation="ws-1",
        source=Source(vendor="axis", url="http://10.0.0.5", camera_id="1", camera_name=camera),
        requested=Requested(start=start, end=end, format=container),
        actual=Actual(start=start, end=end),
        vendor_export_id=None,
        files=(ManifestFile(name=master.name, size=len(data), sha256=hashlib.sha256(data).hexdigest()),),
        events=(),
    )
    path = write_manifest(folder, manifest)
    if v2:
        raw = json.loads(path.read_bytes())
        raw["format_version"] = 2
        raw.update({k: v for k, v in v2.items() if k != "server_version"})
        if "server_version" in v2:
            raw["source"]["server_version"] = v2["server_version"]
        path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return folder
