"""What every CLI command shares: the server from its arguments, settings, logging, exit handling."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import logging.handlers
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from vms_desk.core.errors import InputError, ServerError, VmsDeskError
from vms_desk.core.models import ServerConfig, parse_vendor
from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.credentials import password_from_env
from vms_desk.paths import log_dir
from vms_desk.settings import Settings, load_settings

log = logging.getLogger("vms_desk.cli")

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def setup_logging() -> None:
    """Details go to VMS_DESK_HOME/logs/vms_desk.log; the console gets one-line sentences only."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # httpx logs every URL at INFO; some vendors put secrets in query strings (Axis' ZIP password).
    for noisy in ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir() / "vms_desk.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
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


def server_from_args(args: argparse.Namespace) -> tuple[ServerConfig, str | None]:
    """The server config and password from SERVER arguments (InputError before any contact)."""
    vendor = parse_vendor(args.vendor)
    config = ServerConfig(vendor=vendor, url=args.url, user=args.user or "")
    return config, password_from_env(args.password_env)


def settings() -> Settings:
    """The user's settings (defaults when there is no file)."""
    return load_settings()


def retry_policy(values: Settings) -> RetryPolicy:
    """The retry pace from settings."""
    return RetryPolicy(values.retry_attempts, values.retry_first_delay, values.retry_max_delay)


def poll_policy(values: Settings) -> PollPolicy:
    """The polling pace from settings."""
    return PollPolicy(values.poll_first_delay, max(values.poll_first_delay, values.poll_max_delay))


@contextmanager
def server_phase() -> Iterator[None]:
    """Once a server has been contacted, refused input is a failure (exit 1), not exit 2."""
    try:
        yield
    except InputError as exc:
        raise ServerError(str(exc), detail=exc.detail) from exc


def default_operator() -> str:
    """The signed-in user's name, or 'unknown'."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


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
