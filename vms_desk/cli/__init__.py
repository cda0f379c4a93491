"""The headless entry point `vms-desk` (see DESIGN.md, The CLI contract; keep it exactly)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from collections.abc import Callable, Sequence

from vms_desk.bundled_vlc import use_bundled_libvlc


def command_function(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs command `name`.

    The command modules are imported here, when a command runs: importing them all (the engine, httpx,
    the pydantic models) took about 0.6 s, which `vms-desk gui` would pay before its window could show.
    The imports are written out, not made by name, because the frozen app's build finds modules by their
    import statements."""
    from . import batch, browse, cases, custody, export, local, probe, resume, store

    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "gui": local.gui_command,
        "sim": local.sim_command,
        "cameras": browse.cameras,
        "recordings": browse.recordings,
        "export": export.export,
        "verify": local.verify_command,
        "jobs": local.jobs_command,
        "resume": resume.resume,
        "probe": probe.probe,
        "audit": local.audit_command,
        "reassign": local.reassign_command,
        "working-copy": custody.working_copy_command,
        "report": custody.report_command,
        "bundle": custody.bundle_command,
        "case": cases.case_command,
        "batch": batch.batch,
        "store": store.store_command,
    }
    return commands[name]


def _window_only(argv: Sequence[str]) -> bool:
    """`vms-desk` or `vms-desk gui [...]` in a build that has the window: the app parses its own options
    (the same as the CLI's `gui`), so none of the other commands need importing."""
    return (not argv or argv[0] == "gui") and importlib.util.find_spec("vms_desk.app") is not None


def _run_window(argv: Sequence[str]) -> int:
    """The window, with the one-line ending the other commands have for what nothing else caught."""
    from vms_desk import app

    try:
        return app.main(argv)
    except KeyboardInterrupt:
        print("error: Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug must still end in one line (the window's log has the details)
        logging.getLogger(__name__).exception("the window stopped")
        print(f"error: An unexpected error stopped vms_desk ({type(exc).__name__}).", file=sys.stderr)
        return 1


SERVICE_COMMAND = "engine-service"  # the window's engine process (workstation.engine_process); not for users


def _run_service(argv: Sequence[str]) -> int:
    """`vms-desk engine-service --home DIR`: the job engine of a window, on this process's pipes."""
    from pathlib import Path

    from vms_desk.workstation.engine_service import serve

    from .common import setup_logging

    parser = argparse.ArgumentParser(prog=f"vms-desk {SERVICE_COMMAND}", description=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args(argv)
    setup_logging()
    try:
        return serve(args.home)
    except Exception:  # the window hears the process end and says so; the details go to the log
        logging.getLogger(__name__).exception("the engine process stopped")
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run one command; returns the exit status."""
    use_bundled_libvlc()  # before anything imports python-vlc (the player, --version, manifests)
    given = list(sys.argv[1:] if argv is None else argv)
    if _window_only(given):
        return _run_window(given[1:])
    if given[:1] == [SERVICE_COMMAND]:
        return _run_service(given[1:])
    from .common import run_guarded, setup_logging
    from .parser import build_parser

    args = build_parser().parse_args(given)
    command = args.command or "gui"
    if command != "gui":
        setup_logging()
    return run_guarded(lambda: command_function(command)(args))
