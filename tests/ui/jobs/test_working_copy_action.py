"""'Make working copy…' in the job list: a done job's real export gets an MP4 in working/, audited."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.evidence.audit import AuditLog
from vms_desk.evidence.manifest import Actual, Manifest, ManifestFile, Requested, Source, write_manifest
from vms_desk.evidence.verify import verify
from vms_desk.jobs.records import FileRecord, JobRecord
from vms_desk.sim.media import render_video
from vms_desk.ui.jobs.dock import JobDock
from vms_desk.ui.jobs.model import JobTableModel
from vms_desk.ui.jobs.working_copy import WorkingCopyFlow
from vms_desk.workstation.tasks import TaskSet

START = datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
# The offscreen platform warns about dialogs it cannot size like a desktop would.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def done_job(folder: Path) -> JobRecord:
    """A real export folder (H.264 MKV and its manifest) and the done job that made it."""
    folder.mkdir(parents=True)
    end = START + timedelta(seconds=2)
    video = folder / "clip.mkv"
    render_video(video, camera_name="Entrance", start=START, end=end, container="mkv")
    data = video.read_bytes()
    entry = ManifestFile(name="clip.mkv", size=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest = write_manifest(
        folder,
        Manifest(
            created=end, case="C1", operator="op", workstation="ws",
            source=Source(vendor="axis", url="http://h", camera_id="1", camera_name="Entrance"),
            requested=Requested(start=START, end=end, format="mkv"), actual=Actual(),
            vendor_export_id=None, files=(entry,), events=(),
        ),
    )  # fmt: skip
    return JobRecord(
        id=uuid.uuid4().hex, created=START, updated=end, state=JobState.DONE,
        server=ServerConfig(vendor=Vendor.AXIS, url="http://h", user="demo"),
        camera_id="1", camera_name="Entrance",
        request=ExportRequest(camera_id="1", span=TimeSpan(start=START, end=end), format="mkv"),
        out_dir=folder.parent, evidence_dir=folder, manifest=manifest,
        files=(FileRecord(name=entry.name, size=entry.size, sha256=entry.sha256),),
    )  # fmt: skip


@pytest.mark.asyncio
async def test_make_working_copy_from_the_job_list(qtbot: Any, tmp_path: Path) -> None:
    job = done_job(tmp_path / "evidence" / "export")
    model = JobTableModel()
    model.load([job])
    dock = JobDock(model)
    qtbot.addWidget(dock)
    action = dock.actions_by_name["working"]
    assert not action.isEnabled()  # nothing selected
    dock.select_job(job.id)
    assert action.isEnabled()
    assert action.text() == "Make working copy…"

    requested: list[Path] = []
    dock.workingCopyRequested.connect(requested.append)
    action.trigger()
    assert requested == [job.evidence_dir]

    window = QWidget()
    qtbot.addWidget(window)
    errors: list[Exception] = []
    tasks = TaskSet(errors.append)
    lines: list[str] = []
    audit = AuditLog(tmp_path)
    flow = WorkingCopyFlow(window, tasks, lines.append, audit)
    dialog = flow.start(requested[0])
    assert dialog.objectName() == "workingCopyDialog"
    assert not dialog.password.isVisibleTo(dialog)  # no ZIP master: no password asked
    dialog.caption.setChecked(True)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    await tasks.wait()

    assert errors == []
    copy = requested[0] / "working" / "clip_caption.mp4"
    assert copy.is_file()
    assert lines[-1].startswith(f"Working copy in {requested[0] / 'working'}: clip_caption.mp4 (SHA-256 ")
    lineage = json.loads((requested[0] / "working" / "manifest.json").read_bytes())
    assert lineage["files"][0]["derived_from"]["sha256"] == job.files[0].sha256
    assert [e["action"] for e in audit.entries()] == ["working-copy"]
    assert verify(requested[0]).ok
