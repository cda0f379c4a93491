"""`report CASE`: the chain-of-custody PDF (and optional CSV) for a case, verified fresh, audited.

Both files are written beside their targets as hidden temporaries and renamed only when complete, so
a failure leaves no half-written report behind.
"""

from __future__ import annotations

import getpass
import os
import platform
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from vms_desk import APP_NAME, __version__
from vms_desk.core.errors import InputError, StorageError
from vms_desk.core.times import local_zone
from vms_desk.evidence.audit import AuditTrail
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.verify import VerifyReport, verify

from .auditing import record
from .case import CaseFile
from .exhibits import read_exhibits
from .report_pdf import Generated, build_pdf
from .rows import csv_text


@dataclass(frozen=True)
class ReportResult:
    """The files written, their SHA-256, and the fresh verification."""

    pdf: Path
    pdf_sha256: str
    csv: Path | None
    csv_sha256: str | None
    verification: VerifyReport


def fresh_verification(case: CaseFile) -> VerifyReport:
    """Verify every evidence folder of the case now (blocking), as one report."""
    checks = [m for folder in case.evidence_dirs for m in verify(folder).manifests]
    try:
        root = Path(os.path.commonpath([str(f) for f in case.evidence_dirs]))
    except ValueError:  # none, or on different drives (Windows): there is no common folder
        root = Path()
    return VerifyReport(root=root, manifests=tuple(checks))


def generated_now() -> Generated:
    """Who, when and where this report is being made."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Generated(datetime.now(UTC), user, platform.node(), f"{APP_NAME} {__version__}")


def write_report(
    case: CaseFile,
    out: Path,
    *,
    audit: AuditTrail,
    csv_out: Path | None = None,
    zone: tzinfo | None = None,
) -> ReportResult:
    """Write the PDF (and CSV), then one audit entry naming them and their hashes (blocking)."""
    for target in (out, csv_out):
        if target is not None and not target.parent.is_dir():
            raise InputError(f"The folder {target.parent} does not exist: choose where the report goes.")
    zone = zone or local_zone()
    exhibits = read_exhibits(case.evidence_dirs)
    verification = fresh_verification(case)
    generated = generated_now()
    temps: list[Path] = []
    try:
        pdf_tmp = _temp(out, temps)
        build_pdf(
            pdf_tmp,
            case=case.header,
            exhibits=exhibits,
            audit=case.audit,
            verification=verification,
            generated=generated,
            zone=zone,
        )
        csv_tmp = None
        if csv_out is not None:
            csv_tmp = _temp(csv_out, temps)
            # UTF-8 with a byte-order mark, so Excel on Windows shows camera names correctly.
            csv_tmp.write_text(csv_text(exhibits, zone), encoding="utf-8-sig", newline="")
        pdf_tmp.replace(out)
        if csv_tmp is not None and csv_out is not None:
            csv_tmp.replace(csv_out)
    except OSError as exc:
        raise StorageError(
            f"The report could not be written to {out.parent}: {exc.strerror}.", detail=repr(exc)
        ) from exc
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    result = ReportResult(
        out, sha256_file(out)[1], csv_out, sha256_file(csv_out)[1] if csv_out else None, verification
    )
    record(
        audit,
        "report",
        case=case.header.number,
        files=[
            {"path": str(p), "sha256": h}
            for p, h in ((result.pdf, result.pdf_sha256), (result.csv, result.csv_sha256))
            if p is not None
        ],
        exhibits=[e.exhibit_id + " " + str(e.folder) for e in exhibits],
        verification="passed" if verification.ok else "failed",
    )
    return result


def _temp(target: Path, temps: list[Path]) -> Path:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".part")
    os.close(fd)
    temps.append(Path(name))
    return Path(name)
