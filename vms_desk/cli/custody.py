"""`working-copy`, `report` and `bundle`: the chain-of-custody commands (no server is contacted).

vms_desk.custody is imported inside each command: it brings PyAV and reportlab, which every other
command would otherwise load at start-up for nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vms_desk.core.errors import InputError
from vms_desk.evidence.audit import AuditTrail
from vms_desk.jobs.credentials import password_from_env

from .common import EXIT_FAILED, EXIT_OK, open_workstation

if TYPE_CHECKING:
    from vms_desk.custody.case import CaseFile


def audit_log() -> AuditTrail:
    """The workstation's audit log."""
    return open_workstation().audit


def load_case(number: str) -> CaseFile:
    """The case: its finished exports, the audit entries about them, and its record's header."""
    return open_workstation().case_file(number)


def working_copy_command(args: argparse.Namespace) -> int:
    """A court-playable MP4 of every video master in EXPORT_DIR, in its working/ folder."""
    folder: Path = args.export_dir
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give an export folder (the one with manifest.json).")
    password = password_from_env(args.password_env)
    from vms_desk.custody.working_copy import make_working_copies

    copies = make_working_copies(
        folder.absolute(), caption=args.caption, password=password, audit=audit_log()
    )
    for copy in copies:
        state = "made" if copy.made else "already there"
        sys.stdout.write(
            f"{state}\t{copy.path}\t{copy.sha256}\t{copy.operation} of {copy.master} ({copy.reason})\n"
        )
    return EXIT_OK


def report_command(args: argparse.Namespace) -> int:
    """The chain-of-custody PDF (and CSV) of a case; exit 1 when the fresh verification fails."""
    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise InputError(f"--out {out} must name a .pdf file.")
    case = load_case(args.case)
    from vms_desk.custody.report import write_report

    result = write_report(
        case, out.absolute(), audit=audit_log(), csv_out=args.csv.absolute() if args.csv else None
    )
    sys.stdout.write(f"report\t{result.pdf}\t{result.pdf_sha256}\n")
    if result.csv is not None:
        sys.stdout.write(f"csv\t{result.csv}\t{result.csv_sha256}\n")
    verdict = "passed" if result.verification.ok else "FAILED"
    sys.stdout.write(f"verification {verdict}: {result.verification.file_count} file(s)\n")
    return EXIT_OK if result.verification.ok else EXIT_FAILED


def bundle_command(args: argparse.Namespace) -> int:
    """Copy a case's exports into one self-verifying folder with index.html and report.pdf."""
    out: Path = args.out
    case = load_case(args.case)
    from vms_desk.custody.bundle import make_bundle

    result = make_bundle(case, out.absolute(), audit=audit_log())
    sys.stdout.write(
        f"bundle\t{result.folder}\t{result.files} files, {result.bytes:,} bytes\n"
        f"bundle-manifest.json SHA-256\t{result.manifest_sha256}\n"
    )
    return EXIT_OK
