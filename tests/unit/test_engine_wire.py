"""jobs.wire: what the window and its engine process say to each other survives the trip unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vms_desk.core.errors import ServerBusy, ServerError, StorageError, VendorError, VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs import wire
from vms_desk.jobs.engine import JobBusy
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import FileRecord, JobRecord
from vms_desk.store.database import StoreUnreachable


def _record() -> JobRecord:
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    return JobRecord(
        id="a" * 32,
        created=now,
        updated=now + timedelta(seconds=3),
        state=JobState.DONE,
        server=ServerConfig(vendor=Vendor.AXIS, url="https://cam.example:8443", user="root"),
        camera_id="1",
        camera_name="Entrance \u00e9\u2603\nsecond line",
        request=ExportRequest(
            camera_id="1",
            span=TimeSpan(start=now - timedelta(minutes=1), end=now),
            format="zip",
            options={"password": "***", "quality": 5, "nested": {"a": [1, None, True]}},
        ),
        out_dir=Path("/evidence/case 1"),
        case="C-1",
        operator="ann",
        files=(FileRecord(name="clip.mkv", size=123, sha256="f" * 64),),
    )


def test_a_record_arrives_equal_on_one_ascii_line() -> None:
    record = _record()
    line = wire.dumps({"event": "record", "record": wire.record_out(record)})
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1  # a newline in a camera's name cannot split the message
    line.decode("ascii")
    assert wire.record_in(wire.loads(line)["record"]) == record


def test_progress_arrives_equal() -> None:
    for value in (
        JobProgress("j", done=10, total=None, rate=1.5, server_progress=0.25, still_since=123.5),
        JobProgress("j", done=10, total=10, rate=0.0, server_progress=1.0, still_since=None),
    ):
        assert wire.progress_in(wire.loads(wire.dumps(wire.progress_out(value)))) == value


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (JobBusy("Cancel the job before removing it."), JobBusy),
        (StoreUnreachable("The team store is unreachable."), StoreUnreachable),
        (ServerBusy("The server is busy.", status=503), ServerBusy),
        # A class that needs more than a sentence comes back as its nearest plain parent.
        (VendorError("The server refused.", code="E42"), ServerError),
    ],
)
def test_errors_keep_their_class_sentence_and_detail(error: VmsDeskError, expected: type) -> None:
    error.detail = "for the log"
    back = wire.error_in(wire.loads(wire.dumps(wire.error_out(error))))
    assert type(back) is expected
    assert str(back) == str(error)
    assert back.detail == "for the log"


def test_an_unknown_error_is_still_an_error_with_its_sentence() -> None:
    back = wire.error_in({"type": "SomethingNew", "message": "It broke.", "detail": ""})
    assert type(back) is VmsDeskError
    assert str(back) == "It broke."


def test_store_health_comes_back_as_a_storage_error_or_none() -> None:
    assert wire.storage_error_in(None) is None
    back = wire.storage_error_in(wire.error_out(StoreUnreachable("gone")))
    assert isinstance(back, StoreUnreachable)
    assert isinstance(wire.storage_error_in({"type": "InputError", "message": "odd"}), StorageError)


def test_a_line_that_is_not_a_message_is_refused() -> None:
    with pytest.raises(ValueError, match="not a message"):
        wire.loads(b"[1, 2]\n")
    with pytest.raises(ValueError, match="Expecting value"):
        wire.loads(b"Traceback (most recent call last):\n")
