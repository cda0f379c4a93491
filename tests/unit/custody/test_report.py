"""The custody report: a real PDF whose text holds the header, exhibits, custody log, verification."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from custody_helpers import START

from vms_desk.core.errors import InputError
from vms_desk.custody.case import CaseFile, CaseHeader, case_from_jobs
from vms_desk.custody.report import write_report
from vms_desk.custody.working_copy import make_working_copies
from vms_desk.evidence.audit import AuditLog
from vms_desk.evidence.hashing import sha256_file

V2 = {
    "clock": {
        "server_offset_s": 90.2,
        "method": "http-date",
        "resolution_s": 1.0,
        "measured_at": "2026-11-20T13:05:00Z",
    },
    "server_version": "VAPIX 3 / AXIS OS 11.8",
}


def pdf_text(path: Path) -> str:
    if subprocess.run(["pdftotext", "-v"], capture_output=True, check=False).returncode != 0:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


@pytest.fixture
def case(export_factory: Callable[..., Path], audit: AuditLog) -> CaseFile:
    old = export_factory("one", camera="Cash Desk")
    new = export_factory("two", camera="Back Door", start=START + timedelta(minutes=1), v2=V2)
    make_working_copies(old, caption=False, audit=audit)
    header = CaseHeader(number="2026-0042", title="Shop robbery", status="open", operators=("D. Finch",))
    return CaseFile(header=header, evidence_dirs=(new, old), audit=tuple(audit.entries()))


def test_report_holds_what_a_court_needs(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    out, table = tmp_path / "report.pdf", tmp_path / "report.csv"
    result = write_report(case, out, audit=audit, csv_out=table, zone=ZoneInfo("Europe/London"))
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    master = case.evidence_dirs[1] / "clip.mkv"
    copy = case.evidence_dirs[1] / "working" / "clip.mp4"
    for expected in (
        "Chain-of-custody report — case 2026-0042",
        "Shop robbery",
        "E01",
        "E02",
        "Cash Desk",
        "Back Door",
        sha256_file(master)[1],  # every hash in full
        sha256_file(copy)[1],
        "remux of clip.mkv",
        "2026-11-20 13:05:00 GMT",  # local time with its zone named
        "2026-11-20T13:05:00Z",
        "+90.200 s ±1 s",  # manifest v2 clock (the cell wraps the method and the warning)
        "more than 2 s off",
        "VAPIX 3 / AXIS OS 11.8",
        "not recorded",  # the v1 manifest has no clock
        "Working copy: clip.mp4",  # the custody log
        "PASSED: 3 of 3 file(s)",
        "certutil -hashfile FILE SHA256",
        "Get-FileHash FILE -Algorithm SHA256",
        "sha256sum FILE",
    ):
        assert expected in text, expected
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert [(r["exhibit"], r["file"], r["role"]) for r in rows] == [
        ("E01", "clip.mkv", "master"),
        ("E01", "working/clip.mp4", "working copy"),
        ("E02", "clip.mkv", "master"),
    ]
    assert rows[1]["derived_from_sha256"] == rows[0]["sha256"]
    assert rows[2]["clock_offset"].startswith("+90.200 s")
    entry = audit.entries()[-1]
    assert entry["action"] == "report"
    assert entry["files"] == [
        {"path": str(out), "sha256": result.pdf_sha256},
        {"path": str(table), "sha256": result.csv_sha256},
    ]


def test_a_failed_verification_is_in_the_report(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    master = case.evidence_dirs[0] / "clip.mkv"
    master.write_bytes(master.read_bytes()[:-1])
    result = write_report(case, tmp_path / "r.pdf", audit=audit, zone=ZoneInfo("UTC"))
    assert not result.verification.ok
    text = pdf_text(tmp_path / "r.pdf")
    assert "FAILED: 2 of 3 file(s)" in text
    assert f"changed: {master}" in text


def test_report_into_a_missing_folder_leaves_nothing(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    before = len(audit.entries())
    with pytest.raises(InputError, match="does not exist: choose where the report goes"):
        write_report(case, tmp_path / "nowhere" / "r.pdf", audit=audit)
    assert len(audit.entries()) == before


def test_unknown_case_is_one_sentence() -> None:
    with pytest.raises(InputError, match=r"No export belongs to case '2026-9999'"):
        case_from_jobs("2026-9999", [], [])
