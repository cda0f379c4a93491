"""Job records to SQLite columns and back: structured fields are JSON text, times ISO 8601 UTC."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vms_desk.core.clock import ClockReading
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan
from vms_desk.core.protocol import ExportHandle
from vms_desk.jobs.records import FileRecord, JobRecord, Verification

# Record fields whose column has another name (`case` is an SQL keyword).
COLUMN = {"case": "case_name"}


def utc_now() -> datetime:
    """The current instant in UTC (one clock for the store)."""
    return datetime.now(UTC)


def _json_list(files: Any) -> str:
    return json.dumps([f.model_dump() for f in files])


ENCODERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(
        ("server", "request", "handle", "actual", "clock", "verified"), lambda v: v.model_dump_json()
    ),
    "files": _json_list,
    **dict.fromkeys(("created", "updated"), lambda v: v.astimezone(UTC).isoformat()),
    **dict.fromkeys(("out_dir", "evidence_dir", "manifest", "state"), str),
}


def encode(name: str, value: Any) -> Any:
    """A record field as its column value."""
    if value is None:
        return None
    encoder = ENCODERS.get(name)
    return encoder(value) if encoder else value


def decode(row: sqlite3.Row) -> JobRecord:
    """A row as a JobRecord."""
    return JobRecord(
        id=row["id"],
        created=datetime.fromisoformat(row["created"]),
        updated=datetime.fromisoformat(row["updated"]),
        state=JobState(row["state"]),
        server=ServerConfig.model_validate_json(row["server"]),
        camera_id=row["camera_id"],
        camera_name=row["camera_name"],
        request=ExportRequest.model_validate_json(row["request"]),
        handle=ExportHandle.model_validate_json(row["handle"]) if row["handle"] else None,
        progress=row["progress"],
        bytes_done=row["bytes_done"],
        bytes_total=row["bytes_total"],
        error=row["error"],
        out_dir=Path(row["out_dir"]),
        evidence_dir=Path(row["evidence_dir"]) if row["evidence_dir"] else None,
        case=row["case_name"],
        operator=row["operator"],
        files=tuple(FileRecord.model_validate(f) for f in json.loads(row["files"])),
        manifest=Path(row["manifest"]) if row["manifest"] else None,
        server_path=row["server_path"],
        actual=TimeSpan.model_validate_json(row["actual"]) if row["actual"] else None,
        owner=row["owner"],
        workstation=row["workstation"],
        clock=ClockReading.model_validate_json(row["clock"]) if row["clock"] else None,
        server_version=row["server_version"],
        verified=Verification.model_validate_json(row["verified"]) if row["verified"] else None,
    )
