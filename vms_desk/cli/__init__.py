"""The headless entry point `vms-desk` (see DESIGN.md, The CLI contract; keep it exactly)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from vms_desk.bundled_vlc import use_bundled_libvlc

from .batch import batch
from .browse import cameras, recordings
from .cases import case_command
from .common import run_guarded, setup_logging
from .custody import bundle_command, report_command, working_copy_command
from .export import export
from .local import audit_command, gui_command, jobs_command, reassign_command, sim_command, verify_command
from .parser import build_parser
from .probe import probe
from .resume import resume
from .store import store_command

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "gui": gui_command,
    "sim": sim_command,
    "cameras": cameras,
    "recordings": recordings,
    "export": export,
    "verify": verify_command,
    "jobs": jobs_command,
    "resume": resume,
    "probe": probe,
    "audit": audit_command,
    "reassign": reassign_command,
    "working-copy": working_copy_command,
    "report": report_command,
    "bundle": bundle_command,
    "case": case_command,
    "batch": batch,
    "store": store_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run one command; returns the exit status."""
    use_bundled_libvlc()  # before anything imports python-vlc (the player, --version, manifests)
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    if command != "gui":
        setup_logging()
    return run_guarded(lambda: COMMANDS[command](args))
