"""The exhibit rows the report, the CSV and the bundle page share: one row per file of each exhibit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import tzinfo

from .exhibits import Exhibit, ExhibitFile, clock_text
from .timefmt import span_text

NOT_RECORDED = "not recorded"
CSV_COLUMNS = (
    "exhibit",
    "camera",
    "camera_id",
    "vms",
    "server_version",
    "server_url",
    "requested_local",
    "requested_utc",
    "actual_local",
    "actual_utc",
    "clock_offset",
    "file",
    "role",
    "size",
    "sha256",
    "derived_from_sha256",
    "operation",
    "folder",
)


@dataclass(frozen=True)
class ExhibitSummary:
    """The texts of one exhibit's header line."""

    exhibit_id: str
    camera: str
    vms: str
    requested_local: str
    requested_utc: str
    actual_local: str
    actual_utc: str
    clock: str


def summary(exhibit: Exhibit, zone: tzinfo) -> ExhibitSummary:
    """An exhibit's header texts; v2 fields print 'not recorded' when the manifest is version 1."""
    manifest = exhibit.manifest
    requested = span_text(manifest.requested.start, manifest.requested.end, zone)
    actual = span_text(*exhibit.actual, zone)
    return ExhibitSummary(
        exhibit_id=exhibit.exhibit_id,
        camera=exhibit.camera,
        vms=f"{manifest.source.vendor} {exhibit.server_version or '(version ' + NOT_RECORDED + ')'}",
        requested_local=requested[0],
        requested_utc=requested[1],
        actual_local=actual[0],
        actual_utc=actual[1],
        clock=clock_text(exhibit.clock),
    )


def lineage_text(exhibit: Exhibit, item: ExhibitFile) -> str:
    """'master of working/x.mp4' or '<operation> of x.mkv (sha256 …)' for one file."""
    if item.derived_from is not None:
        origin = item.derived_from
        return f"{origin.operation} of {origin.master or 'the master'} (SHA-256 {origin.sha256[:12]}…)"
    copies = exhibit.working_copies(item)
    return "master; working copies: " + ", ".join(c.name for c in copies) if copies else "master"


def csv_text(exhibits: list[Exhibit], zone: tzinfo) -> str:
    """The exhibit table as CSV, one row per file (UTF-8 text, header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for exhibit in exhibits:
        head = summary(exhibit, zone)
        source = exhibit.manifest.source
        for item in exhibit.files:
            writer.writerow(
                (
                    head.exhibit_id,
                    head.camera,
                    source.camera_id,
                    source.vendor,
                    exhibit.server_version or NOT_RECORDED,
                    source.url,
                    head.requested_local,
                    head.requested_utc,
                    head.actual_local,
                    head.actual_utc,
                    head.clock,
                    item.name,
                    item.role,
                    item.size,
                    item.sha256,
                    item.derived_from.sha256 if item.derived_from else "",
                    item.derived_from.operation if item.derived_from else "",
                    exhibit.folder.name,
                )
            )
    return buffer.getvalue()
