"""The headless entry point `vms-desk` (see DESIGN.md, The CLI contract; keep it exactly)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from .browse import cameras, recordings
from .common import run_guarded, setup_logging
from .export import export
from .local import audit_command, gui_command, jobs_command, sim_command, verify_command
from .parser import build_parser
from .probe import probe
from .resume import resume

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
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    if command != "gui":
        setup_logging()
    return run_guarded(lambda: COMMANDS[command](args))
