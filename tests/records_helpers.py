"""Job records that need no server, for the store and engine tests of every folder."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.records import JobRecord


def new_record(tmp_path: Path, state: JobState = JobState.QUEUED, **changes: object) -> JobRecord:
    """A job as the engine would add it."""
    now = datetime.now(UTC)
    end = now - timedelta(minutes=5)
    record = JobRecord(
        id=uuid.uuid4().hex,
        created=now,
        updated=now,
        state=state,
        server=ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:1", user="demo"),
        camera_id="Server1/DeviceIpint.1/SourceEndpoint.video:0:0",
        camera_name="Entrance",
        request=ExportRequest(
            camera_id="Server1/DeviceIpint.1/SourceEndpoint.video:0:0",
            span=TimeSpan(start=end - timedelta(seconds=10), end=end),
            format="mkv",
        ),
        out_dir=tmp_path / "out",
    )
    return record.model_copy(update=changes)
