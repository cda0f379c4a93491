"""The supervisor board's rows and filters, Qt-free: the window's table and `vms-desk jobs --json`
carry the same fields and filter the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from vms_desk.core.jobstate import JobState
from vms_desk.core.times import zone_label
from vms_desk.evidence.manifest import iso_utc
from vms_desk.jobs.query import JobQuery
from vms_desk.jobs.query import server_label as _server_label
from vms_desk.jobs.records import JobRecord
from vms_desk.present.job_text import format_span, human_bytes, state_word

# The step a state stands for, as "step n of 5" on the board.
_STEPS = (
    JobState.QUEUED,
    JobState.SUBMITTING,
    JobState.PROCESSING,
    JobState.DOWNLOADING,
    JobState.VERIFYING,
)


def server_label(record: JobRecord) -> str:
    """vendor/server, e.g. 'vdg-sense/http://10.0.0.5:8000' (the saved name when it has one)."""
    return _server_label(record.server)


def state_text(record: JobRecord) -> str:
    """The state with its step and percentage while it runs, e.g. 'Downloading (step 4 of 5, 42%)'."""
    word = state_word(record.state)
    if record.state not in _STEPS:
        return word
    step = _STEPS.index(record.state) + 1
    percent = percent_done(record)
    return f"{word} (step {step} of {len(_STEPS)}, {percent}%)" if percent is not None else word


def percent_done(record: JobRecord) -> int | None:
    """How far the running step is, in whole percent (None where the step has no measure)."""
    if record.state is JobState.DOWNLOADING and record.bytes_total:
        return int(100 * record.bytes_done / record.bytes_total)
    if record.state is JobState.PROCESSING:
        return int(100 * record.progress)
    return None


def size_of(record: JobRecord) -> int:
    """Bytes saved (all files when done, what arrived so far otherwise)."""
    return sum(f.size for f in record.files) if record.files else record.bytes_done


def short_sha(record: JobRecord) -> str:
    """The first 12 hex digits of the first file's SHA-256 ('' before there is a file)."""
    return record.files[0].sha256[:12] if record.files else ""


def clock_text(record: JobRecord) -> str:
    """The server clock's offset, e.g. '+90.0 s' ('' before it was measured, '?' when unreadable)."""
    if record.clock is None:
        return ""
    offset = record.clock.server_offset_s
    return "?" if offset is None else f"{offset:+.1f} s"


@dataclass(frozen=True)
class BoardFilter(JobQuery):
    """What the supervisor narrows the board to; empty fields match everything.

    The store runs every field but `text` as SQL (JobQuery.where); `text` looks in the row as the board
    shows it (local times, state words, the SHA-256), which the store cannot see, so it is matched here.
    """

    text: str = ""  # anywhere in the row's text

    def query(self) -> JobQuery:
        """The part the store runs: every field but the free text."""
        return JobQuery(**{f: getattr(self, f) for f in JobQuery.__dataclass_fields__})

    def matches(self, record: JobRecord, zone: tzinfo | None = None) -> bool:
        """True when the job passes every filter that is set."""
        if not JobQuery.matches(self, record):
            return False
        if not self.text:
            return True
        needle = self.text.lower()
        return any(needle in str(v).lower() for v in board_row(record, zone).values())


def filtered(records: Iterable[JobRecord], wanted: BoardFilter) -> list[JobRecord]:
    """The jobs that pass the filter, in the order given."""
    return [r for r in records if wanted.matches(r)]


def board_row(record: JobRecord, zone: tzinfo | None = None) -> dict[str, Any]:
    """One job as the board shows it and `jobs --json` prints it (times also in UTC)."""
    actual = record.actual
    row: dict[str, Any] = {
        "job_id": record.id,
        "case": record.case,
        "operator": record.operator,
        "workstation": record.workstation,
        "vendor": record.server.vendor.value,
        "server": record.server.name or record.server.url,
        "server_url": record.server.url,
        "server_version": record.server_version,
        "camera_id": record.camera_id,
        "camera": record.camera_name or record.camera_id,
        "format": record.request.format,
        "requested": {"start": iso_utc(record.request.span.start), "end": iso_utc(record.request.span.end)},
        "actual": {"start": iso_utc(actual.start), "end": iso_utc(actual.end)} if actual else None,
        "state": str(record.state),
        "state_text": state_text(record),
        "progress": record.progress,
        "bytes_done": record.bytes_done,
        "bytes_total": record.bytes_total,
        "size": size_of(record),
        "sha256": record.files[0].sha256 if record.files else None,
        "sha256_short": short_sha(record),
        "clock_offset_s": record.clock.server_offset_s if record.clock else None,
        "clock_method": str(record.clock.method) if record.clock else None,
        "last_verified": (
            {
                "when": iso_utc(record.verified.when),
                "ok": record.verified.ok,
                "detail": record.verified.detail,
            }
            if record.verified
            else None
        ),
        "message": record.error,
        "created": iso_utc(record.created),
        "updated": iso_utc(record.updated),
        "evidence_dir": str(record.evidence_dir) if record.evidence_dir else None,
        "manifest": str(record.manifest) if record.manifest else None,
    }
    if zone is not None:
        row["requested_local"] = f"{format_span(record.request.span, zone)} {zone_label(zone)}"
        row["actual_local"] = f"{format_span(actual, zone)} {zone_label(zone)}" if actual else ""
    return row


CSV_COLUMNS: Sequence[tuple[str, str]] = (
    ("Case", "case"),
    ("Operator", "operator"),
    ("Workstation", "workstation"),
    ("Vendor", "vendor"),
    ("Server", "server"),
    ("Camera", "camera"),
    ("Requested (local)", "requested_local"),
    ("Actual (local)", "actual_local"),
    ("Requested start UTC", "requested_start"),
    ("Requested end UTC", "requested_end"),
    ("State", "state_text"),
    ("Size (bytes)", "size"),
    ("SHA-256", "sha256"),
    ("Server clock offset (s)", "clock_offset_s"),
    ("Last verified", "last_verified_text"),
    ("Message", "message"),
    ("Job id", "job_id"),
)


def to_csv(records: Iterable[JobRecord], zone: tzinfo) -> str:
    """The rows as CSV text (header first), local times with the zone named and UTC beside them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for title, _ in CSV_COLUMNS])
    for record in records:
        row = board_row(record, zone)
        row["requested_start"] = row["requested"]["start"]
        row["requested_end"] = row["requested"]["end"]
        verified = row["last_verified"]
        row["last_verified_text"] = (
            f"{verified['when']} {'ok' if verified['ok'] else 'FAILED'}" if verified else ""
        )
        writer.writerow(["" if row.get(key) is None else row.get(key) for _, key in CSV_COLUMNS])
    return out.getvalue()


def human_size(record: JobRecord) -> str:
    """The size for the board ('' when nothing arrived yet)."""
    size = size_of(record)
    return human_bytes(size) if size else ""
