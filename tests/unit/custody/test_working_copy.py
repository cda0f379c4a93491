"""Working copies: remuxed or transcoded MP4s in working/, traced to an unchanged master."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import pytest
from custody_helpers import START, ZIP_PASSWORD

from vms_desk.core.errors import InputError, StorageError, VmsDeskError
from vms_desk.custody.caption import caption_time
from vms_desk.custody.working_copy import make_working_copies
from vms_desk.evidence.audit import AuditLog
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.verify import FileStatus, verify

BERLIN = ZoneInfo("Europe/Berlin")


def yellow_pixels(frame: av.VideoFrame) -> int:
    top = frame.to_image().convert("RGB").crop((0, 0, frame.width, 32))
    raw = top.tobytes()
    pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 180 and g > 180 and b < 90)


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


@pytest.mark.parametrize("container", ["mkv", "avi", "mp4"])
def test_h264_master_is_remuxed_and_left_unchanged(
    container: str, export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    folder = export_factory(container=container)
    master = folder / f"clip.{container}"
    before = master.read_bytes(), (folder / "manifest.json").read_bytes(), master.stat().st_mtime_ns

    [copy] = make_working_copies(folder, caption=False, audit=audit, zone=BERLIN)

    assert (copy.operation, copy.path) == ("remux", folder / "working" / "clip.mp4")
    # Remuxing copies the compressed pictures unchanged: the same H.264 packets, in an MP4.
    assert packets(copy.path) == packets(master) or len(packets(copy.path)) == len(packets(master))
    with av.open(str(copy.path)) as made:
        assert made.format.name.startswith("mov,mp4")
        assert made.streams.video[0].codec_context.name == "h264"
    assert (master.read_bytes(), (folder / "manifest.json").read_bytes(), master.stat().st_mtime_ns) == before
    lineage = json.loads((folder / "working" / "manifest.json").read_bytes())
    [entry] = lineage["files"]
    assert entry["sha256"] == sha256_file(copy.path)[1]
    assert entry["derived_from"]["sha256"] == sha256_file(master)[1]
    assert entry["derived_from"]["operation"] == "remux"
    assert entry["derived_from"]["tool"]["libraries"]["av"] == av.__version__
    assert verify(folder).ok


def test_caption_transcodes_and_names_the_zone(export_factory: Callable[..., Path], audit: AuditLog) -> None:
    folder = export_factory()
    [copy] = make_working_copies(folder, caption=True, audit=audit, zone=BERLIN)
    assert copy.operation == "transcode+caption"
    assert copy.path.name == "clip_caption.mp4"
    with av.open(str(copy.path)) as made:
        frames = list(made.decode(video=0))
    assert len(frames) == 15  # 3 s at 5 fps, every frame kept
    with av.open(str(folder / "clip.mkv")) as master:
        original = next(iter(master.decode(video=0)))
    # The caption is yellow text across the top; the master has no yellow there.
    assert yellow_pixels(frames[0]) > 20
    assert yellow_pixels(original) == 0
    lineage = json.loads((folder / "working" / "manifest.json").read_bytes())
    assert lineage["files"][0]["derived_from"]["caption"]["zone"].startswith("Europe/Berlin")
    assert verify(folder).ok


def test_caption_text_is_the_recorded_time_with_its_zone() -> None:
    assert caption_time(START, BERLIN) == "2026-11-20 14:05:00.000 CET (UTC+01:00)"
    assert caption_time(START, ZoneInfo("UTC")) == "2026-11-20 13:05:00.000 UTC"


def test_changed_master_is_refused_and_nothing_is_made(
    export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    folder = export_factory()
    master = folder / "clip.mkv"
    data = bytearray(master.read_bytes())
    data[len(data) // 2] ^= 0xFF
    master.write_bytes(bytes(data))
    with pytest.raises(VmsDeskError, match=r"The master clip.mkv no longer matches its manifest \(changed"):
        make_working_copies(folder, caption=False, audit=audit)
    assert not (folder / "working").exists()
    [entry] = audit.entries()
    assert (entry["action"], entry["outcome"]) == ("working-copy", "refused")
    assert entry["changed"][0]["file"] == str(master)


def test_encrypted_zip_needs_its_password(export_factory: Callable[..., Path], audit: AuditLog) -> None:
    folder = export_factory(zipped=True)
    with pytest.raises(InputError, match=r"is an encrypted ZIP: give its password .* --password-env VAR"):
        make_working_copies(folder, caption=False, audit=audit)
    assert not (folder / "working").exists()
    with pytest.raises(InputError, match=r"password for the encrypted ZIP ABC123\.zip is wrong"):
        make_working_copies(folder, caption=False, audit=audit, password="wrong")
    assert not (folder / "working").exists()

    [copy] = make_working_copies(folder, caption=False, audit=audit, password=ZIP_PASSWORD)
    assert copy.master == "ABC123.zip!clip.mkv"
    assert sorted(p.name for p in (folder / "working").iterdir()) == ["ABC123.mp4", "manifest.json"]
    assert verify(folder).ok


def test_second_request_reuses_the_copy_and_each_action_is_audited(
    export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    folder = export_factory()
    [first] = make_working_copies(folder, caption=False, audit=audit)
    [again] = make_working_copies(folder, caption=False, audit=audit)
    assert (first.made, again.made, again.sha256) == (True, False, first.sha256)
    entries = audit.entries()
    assert [e["action"] for e in entries] == ["working-copy", "working-copy"]
    copy = entries[0]["copies"][0]
    assert copy["sha256"] == first.sha256
    assert copy["master_sha256"] == sha256_file(folder / "clip.mkv")[1]
    assert audit.verify().ok


def test_lineage_to_a_changed_master_fails_verify(
    export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    folder = export_factory()
    make_working_copies(folder, caption=False, audit=audit)
    master = folder / "clip.mkv"
    master.write_bytes(master.read_bytes() + b"x")
    report = verify(folder)
    assert not report.ok
    statuses = {p.name: p.status for p in report.problems}
    assert statuses == {"clip.mkv": FileStatus.CHANGED, "clip.mp4": FileStatus.LINEAGE}


def test_lineage_naming_another_master_fails_verify(
    export_factory: Callable[..., Path], audit: AuditLog
) -> None:
    folder = export_factory()
    make_working_copies(folder, caption=False, audit=audit)
    path = folder / "working" / "manifest.json"
    lineage = json.loads(path.read_bytes())
    lineage["files"][0]["derived_from"]["sha256"] = "0" * 64
    path.write_text(json.dumps(lineage), encoding="utf-8")
    [problem] = verify(folder).problems
    assert (problem.name, problem.status) == ("clip.mp4", FileStatus.LINEAGE)


def test_a_folder_without_video_gets_one_sentence(tmp_path: Path, audit: AuditLog) -> None:
    with pytest.raises(InputError, match=r"is not an export folder: it has no manifest\.json"):
        make_working_copies(tmp_path, caption=False, audit=audit)


def test_a_damaged_working_manifest_is_said(export_factory: Callable[..., Path], audit: AuditLog) -> None:
    folder = export_factory()
    make_working_copies(folder, caption=False, audit=audit)
    (folder / "working" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StorageError, match="is damaged or unreadable: move it aside"):
        make_working_copies(folder, caption=True, audit=audit)
    assert not (folder / "working" / "clip_caption.mp4").exists()
