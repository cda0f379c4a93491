"""`case new|list|show|close|reopen`: the case book from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vms_desk.cases.rules import Case, CaseStatus
from vms_desk.evidence.manifest import iso_utc
from vms_desk.present.board import board_row

from .common import EXIT_OK, open_workstation, print_json


def case_json(case: Case) -> dict[str, Any]:
    """One case as `case list/show --json` prints it."""
    return {
        "number": case.number,
        "title": case.title,
        "status": str(case.status),
        "created": iso_utc(case.created),
        "created_by": case.created_by,
        "notes": case.notes,
        "updated": iso_utc(case.updated),
    }


def case_command(args: argparse.Namespace) -> int:
    """Run one `case` action."""
    workstation = open_workstation()
    book, who = workstation.cases, workstation.operator
    action = args.action
    if action == "new":
        case = book.new(args.number, title=args.title or "", by=who)
        sys.stdout.write(f"case {case.number} created (open)\n")
    elif action in ("close", "reopen", "hold"):
        status = {"close": CaseStatus.CLOSED, "reopen": CaseStatus.OPEN, "hold": CaseStatus.ON_HOLD}[action]
        before = book.get(args.number).status
        case = book.set_status(args.number, status, by=who)
        same = " (it already was)" if before is status else ""
        sys.stdout.write(f"case {case.number} is {case.status}{same}\n")
    elif action == "list":
        cases = book.cases()
        jobs = workstation.store.jobs()
        if args.json:
            print_json(
                [{**case_json(c), "exports": sum(1 for j in jobs if j.case == c.number)} for c in cases]
            )
            return EXIT_OK
        for c in cases:
            count = sum(1 for j in jobs if j.case == c.number)
            sys.stdout.write(f"{c.number}\t{c.status}\t{count} export(s)\t{c.created_by}\t{c.title}\n")
    else:  # show
        case = book.get(args.number)
        exports = [j for j in workstation.store.jobs() if j.case == case.number]
        if args.json:
            print_json({**case_json(case), "exports": [board_row(j) for j in exports]})
            return EXIT_OK
        sys.stdout.write(
            f"case {case.number}: {case.title or '(no title)'}\nstatus {case.status}; created "
            f"{iso_utc(case.created)} by {case.created_by}\n"
        )
        if case.notes:
            sys.stdout.write(f"notes:\n{case.notes}\n")
        for job in exports:
            row = board_row(job)
            sys.stdout.write(
                f"  {job.short_id}\t{row['state']}\t{row['vendor']}\t{row['camera']}\t"
                f"{row['requested']['start']} – {row['requested']['end']}\n"
            )
    return EXIT_OK


def add_case_parser(commands: Any) -> None:
    """The `case` subcommand and its actions."""
    case = commands.add_parser("case", help="cases: the record exports belong to")
    actions = case.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="create an open case")
    new.add_argument("number", metavar="NUMBER")
    new.add_argument("--title", metavar="TEXT")
    listing = actions.add_parser("list", help="every case with its status and number of exports")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="one case with its exports")
    show.add_argument("number", metavar="NUMBER")
    show.add_argument("--json", action="store_true")
    for name, text in (
        ("close", "close a case: it takes no new exports until reopened"),
        ("reopen", "reopen a closed or held case (audited)"),
        ("hold", "put a case on hold: it takes no new exports until reopened"),
    ):
        actions.add_parser(name, help=text).add_argument("number", metavar="NUMBER")
