"""`probe`: each step against one server, one line each; exit 0 when every step passed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from vms_desk.core.models import ServerConfig
from vms_desk.core.options import JsonValue, parse_option_arg
from vms_desk.paths import home_dir
from vms_desk.vendors.http_client import TLS_PIN_SETTING, make_http_client
from vms_desk.workstation.probe import Probe, Step
from vms_desk.workstation.root import Workstation
from vms_desk.workstation.trace import TraceTransport

from .common import EXIT_FAILED, EXIT_OK, server_from_args


async def run_probe(
    server: ServerConfig,
    password: str | None,
    *,
    export_test: bool = False,
    options: dict[str, JsonValue] | None = None,
    trace_file: Path | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> list[Step]:
    """Open the workstation on a traced HTTP client (pinned when the server is), run the steps, and
    save the trace; each step is printed as it ends."""
    tracer: TraceTransport | None = None

    def wrap(inner: object) -> TraceTransport:
        nonlocal tracer
        tracer = TraceTransport(inner)  # type: ignore[arg-type]
        return tracer

    pin = server.settings.get(TLS_PIN_SETTING) or None
    http = make_http_client(pinned_sha256=pin, wrap=wrap)
    assert tracer is not None
    if password:
        tracer.redactor.remember(password)
    workstation = Workstation.open(home_dir(create=True), http=http)
    for notice in workstation.notices:
        sys.stderr.write(f"warning: {notice}\n")
    probe = Probe(workstation, server, password, tracer, export_options=options, on_step=on_step)
    workstation.passwords.remember(probe.pool_server, password)
    try:
        steps = await probe.run(export_test=export_test)
    finally:
        await workstation.aclose()
        if trace_file:
            tracer.write(trace_file)
    return steps


def probe(args: argparse.Namespace) -> int:
    """Print one line per step; exit 0 when all passed, 1 otherwise."""
    server, password = server_from_args(args)
    options = dict(parse_option_arg(item) for item in args.options)

    def say(step: Step) -> None:
        sys.stdout.write(step.line() + "\n")
        sys.stdout.flush()

    steps = asyncio.run(
        run_probe(
            server,
            password,
            export_test=args.export_test,
            options=options,
            trace_file=args.trace,
            on_step=say,
        )
    )
    if args.trace:
        sys.stdout.write(f"trace: {args.trace} (secrets redacted)\n")
    return EXIT_OK if all(s.passed for s in steps) else EXIT_FAILED
