"""`export`: validate everything offline, queue one job per camera, run them, report each outcome."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.core.export import ExportRequest, build_request, check_span
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan
from vms_desk.core.options import JsonValue, parse_option_arg
from vms_desk.core.times import now_utc, parse_user_time
from vms_desk.jobs.records import JobRecord
from vms_desk.workstation.root import Workstation, default_operator

from .common import EXIT_FAILED, EXIT_OK, open_workstation, print_json, say_error, server_from_args
from .progress import ProgressLine


def _out_dir(path: Path) -> Path:
    """The evidence root as an absolute path; refuses a file."""
    folder = path.expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {path} is a file, not a folder: choose a folder for the evidence.")
    return folder


def _make_folder(folder: Path) -> None:
    """Create the evidence root and write a probe file in it before any server is contacted, so a
    folder that cannot hold the evidence is input refused (exit 2), not a failure after the export."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"The folder {folder} cannot be created ({exc.strerror or exc}): choose another --out."
        ) from exc
    try:
        # A real write, not os.access(): the administrator passes access checks, read-only disks do not.
        with tempfile.TemporaryFile(dir=folder, prefix=".vms_desk-probe-"):
            pass
    except OSError as exc:
        raise InputError(
            f"The folder {folder} is not writable ({exc.strerror or exc}): choose another --out."
        ) from exc


def _options(items: list[str], env_items: list[str]) -> tuple[dict[str, JsonValue], frozenset[str]]:
    """The options from `--option` and `--option-env` (the latter are secrets: never stored)."""
    options: dict[str, JsonValue] = {}
    for item in items:
        key, value = parse_option_arg(item)
        options[key] = value
    from_env: set[str] = set()
    for item in env_items:
        key, sep, variable = item.partition("=")
        key, variable = key.strip(), variable.strip()
        if not sep or not key or not variable:
            raise InputError(f"--option-env {item!r} must look like KEY=VAR (VAR: an environment variable).")
        value = os.environ.get(variable)
        if value is None:
            raise InputError(
                f"The environment variable {variable} (for --option-env {key}) is not set: "
                "put the value in it."
            )
        options[key] = value  # taken as text, as it is: a password is not JSON
        from_env.add(key)
    return options, frozenset(from_env)


async def _requests(
    server: ServerConfig, cameras: list[str], span: TimeSpan, fmt: str, options: dict[str, JsonValue]
) -> tuple[list[ExportRequest], frozenset[str]]:
    """Validated requests, as far as the vendor's capabilities are known without its server."""
    from vms_desk.vendors.registry import static_capabilities

    caps = static_capabilities(server)
    now = now_utc()
    requests = []
    for camera in dict.fromkeys(cameras):  # the same camera twice is one export
        if caps is not None:
            requests.append(
                build_request(caps, camera_id=camera, span=span, fmt=fmt, options=options, now=now)
            )
            continue
        # The server's own list (formats, options) is checked after login, by the job.
        if not camera.strip():
            raise InputError("No camera was given: name one with its id (see `vms-desk cameras`).")
        check_span(span, frame=False, now=now)
        requests.append(ExportRequest(camera_id=camera, span=span, format=fmt, options=options))
    return requests, caps.secret_names() if caps is not None else frozenset()


@dataclass(frozen=True)
class Plan:
    """Everything the export needs, parsed and checked offline."""

    args: argparse.Namespace
    server: ServerConfig
    password: str | None
    span: TimeSpan
    options: dict[str, JsonValue]
    secret_options: frozenset[str]
    out: Path
    operator: str


def export(args: argparse.Namespace) -> int:
    """Run the export command; exit 0 only when every job is done."""
    server, password = server_from_args(args)
    options, secret_options = _options(args.options, getattr(args, "option_envs", None) or [])
    plan = Plan(
        args=args,
        server=server,
        password=password,
        span=TimeSpan(start=parse_user_time(args.start), end=parse_user_time(args.end)),
        options=options,
        secret_options=secret_options,
        out=_out_dir(args.out),
        operator=args.operator if args.operator is not None else default_operator(),
    )
    records = asyncio.run(_export(plan))
    return _report(records, as_json=args.json)


async def _export(plan: Plan) -> list[JobRecord]:
    args, server, span, out = plan.args, plan.server, plan.span, plan.out
    requests, secret_names = await _requests(server, args.cameras, span, args.format, plan.options)
    secret_names |= plan.secret_options
    await asyncio.to_thread(_make_folder, out)
    progress = ProgressLine() if sys.stderr.isatty() and not args.json else None
    workstation = open_workstation()
    try:
        case = _case(workstation, args.case)
    except BaseException:
        await workstation.aclose()
        raise
    workstation.passwords.remember(server, plan.password)
    engine, store = workstation.engine, workstation.store
    try:
        if progress is not None:
            engine.add_listener(progress.on_record)
            engine.add_progress_listener(progress.on_progress)
        records = [
            await engine.submit(
                server,
                request,
                camera_name=None,
                out_dir=out,
                case=case,
                operator=plan.operator,
                secret_names=secret_names,
            )
            for request in requests
        ]
        try:
            await engine.run_until_idle()
        except asyncio.CancelledError:
            # Ctrl-C: cancel every job properly (server-side cancel, no .part left) before leaving.
            for record in records:
                with contextlib.suppress(VmsDeskError, LookupError):
                    await engine.cancel(record.id)
            raise
        return [store.get(r.id) for r in records]
    finally:
        if progress is not None:
            progress.close()
        await workstation.aclose()


def _case(workstation: Workstation, number: str | None) -> str | None:
    """The open case the export goes into (created, with a line saying so, when it is new); a
    closed or held case, or a number that cannot name a folder, is refused before any server is
    contacted."""
    if number is None:
        return None
    case, created = workstation.case_for_export(number)
    if created:
        sys.stderr.write(f"case {case.number} did not exist: created it (open)\n")
    return case.number


def job_json(record: JobRecord) -> dict[str, Any]:
    """The contract's export result for one job."""
    folder = record.evidence_dir
    return {
        "state": str(record.state),
        "job_id": record.id,
        "files": [
            {"path": str(folder / f.name) if folder else f.name, "size": f.size, "sha256": f.sha256}
            for f in record.files
        ],
        "manifest": str(record.manifest) if record.manifest else None,
        "server_path": record.server_path,
        "error": record.error or None,
    }


def _report(records: list[JobRecord], *, as_json: bool) -> int:
    if as_json:
        results = [job_json(r) for r in records]
        print_json(results[0] if len(results) == 1 else results)
    else:
        for record in records:
            _print_text(record)
    failed = [r for r in records if r.state is not JobState.DONE]
    for record in failed:
        reason = record.error or f"the job ended {record.state}"
        say_error(reason if len(records) == 1 else f"{record.camera_name or record.camera_id}: {reason}")
    return EXIT_OK if not failed else EXIT_FAILED


def _print_text(record: JobRecord) -> None:
    label = record.camera_name or record.camera_id
    if record.state is not JobState.DONE:
        sys.stdout.write(f"{record.state}\t{label}\tjob {record.id}\n")
        return
    sys.stdout.write(f"done\t{label}\t{record.evidence_dir}\n")
    for entry in record.files:
        sys.stdout.write(f"\t{entry.name}\t{entry.size} bytes\tsha256 {entry.sha256}\n")
    if record.server_path:
        sys.stdout.write(f"\tthe files stay on the server at {record.server_path}\n")
