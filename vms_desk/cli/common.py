"""What every CLI command shares: the server from its arguments, settings, logging, exit handling."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from vms_desk.core.errors import InputError, ServerError, VmsDeskError
from vms_desk.core.models import ServerConfig, parse_vendor
from vms_desk.jobs.credentials import password_from_env
from vms_desk.paths import home_dir, log_dir
from vms_desk.workstation.root import Workstation

log = logging.getLogger("vms_desk.cli")

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
LOG_NAME = "vms_desk.log"


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file; a write that fails (a full disk) is dropped, never printed to the console."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - the logging API's name
        """Drop the record: the console must keep its one line, not get a traceback per log call."""


def setup_logging() -> None:
    """Details go to VMS_DESK_HOME/logs/vms_desk.log; the console gets one-line sentences only."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # httpx logs every URL at INFO; some vendors put secrets in query strings (Axis' ZIP password).
    for noisy in ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        handler: logging.Handler = _LogFile(
            log_dir() / LOG_NAME, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    except OSError:
        handler = logging.NullHandler()  # an unwritable home must not stop the command
    root.addHandler(handler)


def say_error(message: str) -> None:
    """One line on stderr: `error: <sentence>` (newlines folded so it stays one line)."""
    text = " ".join(str(message).split())
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()


def print_json(value: Any) -> None:
    """JSON on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _setting_items(items: list[str]) -> dict[str, str]:
    """`--setting KEY=VALUE` arguments as a dict (the last one of a key wins)."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--setting {item!r} must look like KEY=VALUE.")
        values[key.strip()] = value.strip()
    return values


def server_from_args(args: argparse.Namespace) -> tuple[ServerConfig, str | None]:
    """The server config and password from SERVER arguments (InputError before any contact); the
    settings are checked against the vendor's declared settings model."""
    from vms_desk.vendors.registry import parse_server_settings  # every vendor: only when one is asked for

    vendor = parse_vendor(args.vendor)
    settings = parse_server_settings(vendor, _setting_items(getattr(args, "settings", None) or []))
    config = ServerConfig(vendor=vendor, url=args.url, user=args.user or "", settings=settings)
    return config, password_from_env(args.password_env)


def open_workstation() -> Workstation:
    """The workstation for VMS_DESK_HOME (settings, store, audit log, pool, engine); its notices about
    damaged files set aside go to stderr as warnings."""
    workstation = Workstation.open(home_dir(create=True))
    for notice in workstation.notices:
        sys.stderr.write(f"warning: {notice}\n")
    return workstation


@contextmanager
def server_phase() -> Iterator[None]:
    """Once a server has been contacted, refused input is a failure (exit 1), not exit 2."""
    try:
        yield
    except InputError as exc:
        raise ServerError(str(exc), detail=exc.detail) from exc


def run_guarded(command: Callable[[], int]) -> int:
    """Run a command: InputError → exit 2, other vms_desk errors → exit 1, each as one line."""
    try:
        return command()
    except InputError as exc:
        log.info("input refused: %s | %s", exc, exc.detail)
        say_error(str(exc))
        return EXIT_INPUT
    except VmsDeskError as exc:
        log.error("command failed: %s | %s", exc, exc.detail)
        say_error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        say_error("Interrupted.")
        return 130
    except BrokenPipeError:
        # The reader went away (`vms-desk cameras | head -1`): nothing to say, and nothing more to write.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # a bug must still end in one line, not a traceback on the console
        log.exception("unexpected error")
        say_error(
            f"An unexpected error stopped the command ({type(exc).__name__}); the details are in "
            f"{home_dir() / 'logs' / LOG_NAME}."
        )
        return EXIT_FAILED
