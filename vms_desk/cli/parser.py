"""The argument parser: exactly the CLI contract in DESIGN.md (The CLI contract)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .batch import add_batch_parser
from .cases import add_case_parser
from .store import add_store_parser

VENDORS = "axxon-one, axxon-psim, vdg-sense, exacq, axis"


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, `error: ...`, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Refused input: one line on stderr, exit 2 (the usage is in `--help`)."""
        sys.stderr.write(f"error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


class _SettingsHelp:
    """Every vendor's server settings with their one-line help, from the vendors' SPECs; built only
    when help is shown, so starting a command does not import every vendor."""

    def __str__(self) -> str:
        from vms_desk.vendors.registry import SPECS
        from vms_desk.vendors.spec import ServerSettings

        common = ServerSettings.help()
        parts = ["every vendor: " + "; ".join(f"{k} ({h})" for k, h in common.items())]
        for spec in SPECS.values():
            own = {k: h for k, h in spec.settings.help().items() if k not in common}
            listed = "; ".join(f"{k} ({h})" for k, h in own.items()) or "no others"
            parts.append(f"{spec.display_name}: {listed}")
        return ". ".join(parts)


class VersionAction(argparse.Action):
    """`--version`: the app and its libraries (gathered only when asked: it loads libVLC and vendors)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        """Print the versions and exit 0."""
        from vms_desk.versions import version_text

        print(version_text())
        parser.exit(0)


def _server_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server")
    group.add_argument("--vendor", required=True, help=f"one of {VENDORS}")
    group.add_argument("--url", required=True, help="the server's address, e.g. http://10.0.0.5:8000")
    group.add_argument("--user", default="", help="the user name")
    group.add_argument(
        "--password-env", metavar="VAR", help="the environment variable that holds the password"
    )
    setting = group.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="settings",
        help="a server setting, repeatable: %(known)s",
    )
    setting.known = _SettingsHelp()  # type: ignore[attr-defined]  # read by argparse's %-expansion


def _span_args(parser: argparse.ArgumentParser) -> None:
    help_time = "ISO 8601 with Z or an offset; without them, workstation local time"
    parser.add_argument("--start", required=True, metavar="T", help=help_time)
    parser.add_argument("--end", required=True, metavar="T", help=help_time)


def build_parser() -> CliParser:
    """The `vms-desk` parser with its subcommands."""
    parser = CliParser(prog="vms-desk", description="Export video evidence from video management systems.")
    parser.add_argument(
        "--version", action=VersionAction, help="print the versions of vms_desk and its libraries"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="the desktop application (the default)")
    gui.add_argument("--demo", action="store_true", help="start the built-in simulators and add them")
    gui.add_argument(
        "--screenshot", type=Path, metavar="FILE", help="save a screenshot of the window and exit"
    )

    sim = commands.add_parser("sim", help="serve one vendor simulator until stopped")
    sim.add_argument("vendor", metavar="VENDOR", help=f"one of {VENDORS}")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port (the default)")

    cameras = commands.add_parser("cameras", help="list a server's cameras")
    _server_args(cameras)
    cameras.add_argument("--json", action="store_true")

    recordings = commands.add_parser("recordings", help="what a camera recorded in a span")
    _server_args(recordings)
    recordings.add_argument("--camera", required=True, metavar="ID")
    _span_args(recordings)
    recordings.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export a span from one or more cameras")
    _server_args(export)
    export.add_argument(
        "--camera",
        required=True,
        action="append",
        metavar="ID",
        dest="cameras",
        help="a camera id as `vms-desk cameras` lists it; repeat for several cameras",
    )
    _span_args(export)
    export.add_argument("--format", required=True, metavar="FMT", help="the vendor's own format name")
    export.add_argument("--out", required=True, type=Path, metavar="DIR", help="the evidence folder")
    export.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="options",
        help="a vendor option; VALUE is JSON when it parses, else text",
    )
    export.add_argument(
        "--option-env",
        action="append",
        default=[],
        metavar="KEY=VAR",
        dest="option_envs",
        help="a vendor option whose value is in the environment variable VAR (for secrets such as "
        "Axis' password: a command line is visible to other users of the computer)",
    )
    export.add_argument("--case", help="the case name or number (the folder it goes in)")
    export.add_argument("--operator", help="who exports (default: the signed-in user)")
    export.add_argument("--json", action="store_true", help="one JSON object per camera on stdout")

    _probe_command(commands)

    verify = commands.add_parser("verify", help="check every manifest.json under a folder")
    verify.add_argument("dir", type=Path, metavar="DIR")
    verify.add_argument("--json", action="store_true")

    jobs = commands.add_parser("jobs", help="the persistent job queue (the supervisor board's fields)")
    jobs.add_argument("--json", action="store_true")
    jobs.add_argument("--case", metavar="NUMBER", help="only this case's jobs")
    jobs.add_argument("--operator", metavar="NAME", help="only this operator's jobs")
    jobs.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="STATE",
        dest="states",
        help="only jobs in this state (queued, ..., done, failed, cancelled, interrupted); repeatable",
    )
    jobs.add_argument("--since", metavar="T", help="only jobs created at or after T (ISO 8601)")

    _recovery_commands(commands)
    _audit_command(commands)
    _custody_commands(commands)
    add_case_parser(commands)
    add_batch_parser(commands)
    add_store_parser(commands)
    return parser


def _recovery_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """resume: run interrupted jobs to their end; reassign: a supervisor moves a job elsewhere."""
    resume = commands.add_parser(
        "resume", help="run the jobs a closed, crashed or killed vms_desk left unfinished to their end"
    )
    resume.add_argument(
        "--job", action="append", default=[], metavar="ID", dest="jobs", help="only this job; repeatable"
    )
    resume.add_argument(
        "--password-env", metavar="VAR", help="the environment variable with the servers' password"
    )
    resume.add_argument("--json", action="store_true", help="a list of export results on stdout")

    reassign = commands.add_parser(
        "reassign", help="let another workstation resume or retry a job (a supervisor's step, audited)"
    )
    reassign.add_argument("job", metavar="JOB", help="the job id (or its first 8 characters)")
    reassign.add_argument("--workstation", required=True, metavar="NAME", help="the workstation it goes to")
    reassign.add_argument("--why", default="", help="the reason, for the job's history and the audit log")


def _audit_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """audit [verify]: this workstation's audit log, or the team's chain on a team store."""
    audit = commands.add_parser("audit", help="the append-only audit log (the team's chain on a team store)")
    audit.add_argument("action", nargs="?", choices=["verify"], help="check the log's hash chain")
    audit.add_argument("--json", action="store_true")


def _probe_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """probe: a step-by-step check of a (real) server."""
    probe = commands.add_parser("probe", help="try each step against a server and say what it answered")
    _server_args(probe)
    probe.add_argument("--trace", type=Path, metavar="FILE", help="save the HTTP exchange, secrets redacted")
    probe.add_argument("--export-test", action="store_true", help="also export 1 second (audited)")
    probe.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="options",
        help="an option for the export test (e.g. VDG Sense's path)",
    )


def _custody_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """working-copy, report, bundle (vms_desk.custody)."""
    working = commands.add_parser("working-copy", help="a court-playable MP4 beside the master, with lineage")
    working.add_argument("export_dir", type=Path, metavar="EXPORT_DIR", help="an export folder")
    working.add_argument("--caption", action="store_true", help="burn in the camera name and recorded time")
    working.add_argument(
        "--password-env", metavar="VAR", help="the variable with an encrypted ZIP's password"
    )

    report = commands.add_parser("report", help="the chain-of-custody report of a case (PDF)")
    report.add_argument("case", metavar="CASE", help="the case number the exports were made under")
    report.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    report.add_argument("--csv", type=Path, metavar="FILE.csv", help="the exhibit table as CSV too")

    bundle = commands.add_parser("bundle", help="a self-verifying case bundle (index.html, report.pdf)")
    bundle.add_argument("case", metavar="CASE", help="the case number the exports were made under")
    bundle.add_argument("--out", required=True, type=Path, metavar="DIR", help="a new or empty folder")
