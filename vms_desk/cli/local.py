"""Commands that need no server: `verify`, `jobs`, `audit`, `sim`, `gui`."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import parse_vendor
from vms_desk.core.times import local_zone, parse_user_time
from vms_desk.evidence.manifest import iso_utc
from vms_desk.evidence.verify import VerifyReport, verify
from vms_desk.jobs.records import JobRecord
from vms_desk.present.board import BoardFilter, board_row, filtered, percent_done

from .common import EXIT_FAILED, EXIT_OK, open_workstation, print_json, say_error
from .resume import job_ids


# --- verify -----------------------------------------------------------------------------------------
def verify_command(args: argparse.Namespace) -> int:
    """Check every manifest under DIR: exit 0 when all files match, 1 naming each that does not."""
    root: Path = args.dir
    if not root.exists():
        raise InputError(f"{root} does not exist: give the evidence folder to verify.")
    report = verify(root.absolute())
    _audit_verify(report)
    if args.json:
        print_json(_verify_json(report))
    else:
        _verify_text(report)
    if report.ok:
        return EXIT_OK
    if not report.manifests:
        say_error(f"No manifest.json was found under {root}: nothing to verify.")
    else:
        names = [f"{p.path} {p.status}" for p in report.problems]
        names += [f"{m.manifest}: {m.error}" for m in report.manifests if m.error]
        say_error("Verification failed: " + "; ".join(names))
    return EXIT_FAILED


def _verify_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "manifests": [
            {
                "manifest": str(m.manifest),
                "ok": m.ok,
                "error": m.error,
                "files": [
                    {
                        "name": f.name,
                        "path": str(f.path),
                        "status": str(f.status),
                        "size": f.actual_size,
                        "expected_size": f.expected_size,
                        "sha256": f.actual_sha256,
                        "expected_sha256": f.expected_sha256,
                    }
                    for f in m.files
                ],
            }
            for m in report.manifests
        ],
    }


def _verify_text(report: VerifyReport) -> None:
    for check in report.manifests:
        if check.error:
            sys.stdout.write(f"unreadable\t{check.manifest}\t{check.error}\n")
        for entry in check.files:
            sys.stdout.write(f"{entry.status}\t{entry.path}\n")
    good = sum(1 for m in report.manifests for f in m.files if f.ok)
    sys.stdout.write(f"{good} of {report.file_count} file(s) match in {len(report.manifests)} manifest(s)\n")


def _audit_verify(report: VerifyReport) -> None:
    with contextlib.suppress(OSError, ValueError):
        open_workstation().audit.record(
            "verify",
            "ok" if report.ok else "failed",
            folder=str(report.root),
            problems=[f"{p.path} {p.status}" for p in report.problems],
        )


# --- jobs -------------------------------------------------------------------------------------------
def _board_filter(args: argparse.Namespace) -> BoardFilter:
    """The filters given on the command line; InputError for an unknown state or a bad time."""
    states: set[JobState] = set()
    for name in getattr(args, "states", None) or []:
        try:
            states.add(JobState(name.strip().lower()))
        except ValueError:
            known = ", ".join(s.value for s in JobState)
            raise InputError(f"--state {name!r} is not a job state: use one of {known}.") from None
    since = parse_user_time(args.since) if getattr(args, "since", None) else None
    return BoardFilter(
        case=getattr(args, "case", None) or "",
        operator=getattr(args, "operator", None) or "",
        states=frozenset(states),
        since=since,
    )


def jobs_command(args: argparse.Namespace) -> int:
    """The persistent queue, oldest first (jobs whose process died are shown as interrupted)."""
    wanted = _board_filter(args)
    # Opening marks jobs of dead processes interrupted.
    records = filtered(open_workstation().store.jobs(), wanted)
    if args.json:
        zone = local_zone()
        print_json([{**_job_summary(r), **board_row(r, zone)} for r in records])
        return EXIT_OK
    for record in records:
        where = record.error or (str(record.evidence_dir) if record.evidence_dir else "")
        percent = percent_done(record)  # the server's export or the download, while it runs
        state = f"{record.state} {percent}%" if percent is not None else str(record.state)
        sys.stdout.write(
            f"{record.id[:8]}\t{state}\t{iso_utc(record.updated)}\t{record.server.vendor.value}\t"
            f"{record.camera_name or record.camera_id}\t{record.request.format}\t{where}\n"
        )
    return EXIT_OK


def _job_summary(record: JobRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude={"owner"})
    data["state"] = str(record.state)
    return data


def reassign_command(args: argparse.Namespace) -> int:
    """Move a job that is not running to another workstation, which may then resume or retry it."""
    workstation = open_workstation()
    (job_id,) = job_ids(workstation.store, [args.job])
    record = workstation.supervision.reassign_workstation(job_id, args.workstation, why=args.why)
    sys.stdout.write(f"{record.id[:8]}\t{record.state}\tnow belongs to workstation {record.workstation}\n")
    return EXIT_OK


# --- audit ------------------------------------------------------------------------------------------
def audit_command(args: argparse.Namespace) -> int:
    """List the audit log, or (`verify`) check its hash chain: exit 1 naming each problem."""
    log = open_workstation().audit
    if args.action != "verify":
        entries = log.entries()
        if args.json:
            print_json(entries)
        for entry in [] if args.json else entries:
            sys.stdout.write(
                f"{entry.get('seq')}\t{entry.get('time')}\t{entry.get('user')}\t{entry.get('action')}\t"
                f"{entry.get('outcome')}\t{entry.get('job_id', entry.get('folder', ''))}\n"
            )
        return EXIT_OK
    report = log.verify()
    if args.json:
        print_json({"ok": report.ok, "entries": report.entries, "problems": report.problems})
    else:
        for problem in report.problems:
            sys.stdout.write(problem + "\n")
        sys.stdout.write(f"{report.entries} entries; {'the chain is intact' if report.ok else 'BROKEN'}\n")
    if report.ok:
        return EXIT_OK
    say_error(f"The audit log was altered: {report.problems[0]}")
    return EXIT_FAILED


# --- sim --------------------------------------------------------------------------------------------
def sim_command(args: argparse.Namespace) -> int:
    """Serve one simulator; prints `listening on http://H:P` first, serves until SIGINT/SIGTERM."""
    vendor = parse_vendor(args.vendor)
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is not a port number (0-65535).")
    from vms_desk.sim.base import SimState
    from vms_desk.sim.registry import start_sim

    # The handler only appends to a list: it runs in the main thread between bytecodes, and an
    # Event.set() there deadlocked when the signal came while the main thread held that Event's lock
    # inside Event.wait() (seen: `sim` hung on SIGTERM). time.sleep is cut short by the signal.
    stop: list[int] = []
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda number, _: stop.append(number))
    with tempfile.TemporaryDirectory(prefix="vms_desk-sim-") as work:
        try:
            sim = start_sim(vendor, args.host, args.port, SimState(workdir=Path(work)))
        except OSError as exc:
            raise VmsDeskError(f"Cannot listen on {args.host}:{args.port} ({exc.strerror}).") from exc
        try:
            sys.stdout.write(f"listening on {sim.url}\n")
            sys.stdout.flush()
            while not stop:
                time.sleep(0.2)
        finally:
            sim.stop()
    return EXIT_OK


# --- gui --------------------------------------------------------------------------------------------
def gui_command(args: argparse.Namespace) -> int:
    """Start the desktop application (imported only now: the CLI needs no Qt)."""
    if importlib.util.find_spec("vms_desk.app") is None:
        say_error("The desktop application is not part of this build (vms_desk.app is missing).")
        return EXIT_FAILED
    from vms_desk import app

    result = app.run_gui(
        demo=bool(getattr(args, "demo", False)), screenshot=getattr(args, "screenshot", None)
    )
    return int(result or 0)
