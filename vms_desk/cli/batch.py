"""`batch FILE`: one export across servers and vendors from a JSON-lines file (the dialog's rows).

Each non-empty line not starting with `#` is one server:
    {"vendor": "axis", "url": "http://10.0.0.5", "user": "op", "password_env": "AXIS_PW",
     "cameras": ["1", "2"], "format": "mkv", "options": {...}, "settings": {...}}
`format` may be left out where the vendor's formats are known offline: the court-playable default
(mp4, else mkv, else native). The span, the case, the operator and the folder apply to every line and
come from the command line. Every line is checked before any server is contacted (exit 2 naming the
line); then each server's jobs run on its own queue, and a server that fails, fails alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError
from vms_desk.core.models import TimeSpan
from vms_desk.core.times import parse_user_time
from vms_desk.jobs.records import JobRecord
from vms_desk.present.export_rows import default_format

from .common import open_workstation, server_from_args
from .export import _case, _make_folder, _out_dir, _report, _requests

_KEYS = frozenset({"vendor", "url", "user", "password_env", "cameras", "format", "options", "settings"})


def _line(number: int, text: str) -> dict[str, Any]:
    try:
        entry = json.loads(text)
    except ValueError as exc:
        raise InputError(f"Line {number} of the batch file is not JSON ({exc.msg}).") from None
    if not isinstance(entry, dict):
        raise InputError(f"Line {number} of the batch file must be a JSON object, one server per line.")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(f"Line {number} of the batch file has unknown key(s) {', '.join(unknown)}.")
    for key in ("vendor", "url", "cameras"):
        if not entry.get(key):
            raise InputError(
                f"Line {number} of the batch file has no {key!r}: each line names its vendor, url "
                "and cameras."
            )
    if not isinstance(entry["cameras"], list) or not all(isinstance(c, str) for c in entry["cameras"]):
        raise InputError(f"Line {number} of the batch file: 'cameras' must be a list of camera ids.")
    return entry


def read_batch(path: Path) -> list[dict[str, Any]]:
    """The file's server lines; InputError naming the line for anything malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"The batch file {path} cannot be read ({exc.strerror}).") from None
    entries = [
        _line(number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not entries:
        raise InputError(f"The batch file {path} names no server: one JSON object per line.")
    return entries


def batch(args: argparse.Namespace) -> int:
    """Run the batch command; exit 0 only when every job is done."""
    span = TimeSpan(start=parse_user_time(args.start), end=parse_user_time(args.end))
    return _report(asyncio.run(_batch(args, read_batch(args.file), span)), as_json=args.json)


async def _batch(args: argparse.Namespace, entries: list[dict[str, Any]], span: TimeSpan) -> list[JobRecord]:
    from vms_desk.vendors.registry import static_capabilities

    out = _out_dir(args.out)
    planned = []
    for number, entry in enumerate(entries, start=1):
        server_args = argparse.Namespace(
            vendor=entry["vendor"],
            url=entry["url"],
            user=entry.get("user", ""),
            password_env=entry.get("password_env"),
            settings=[f"{k}={v}" for k, v in (entry.get("settings") or {}).items()],
        )
        try:
            server, password = server_from_args(server_args)
            caps = static_capabilities(server)
            fmt = entry.get("format") or (default_format(caps.formats) if caps else "")
            if not fmt:
                raise InputError("give its 'format' (this vendor's formats are known only by its server)")
            requests, secrets = await _requests(
                server, entry["cameras"], span, fmt, entry.get("options") or {}
            )
        except InputError as exc:
            raise InputError(f"Line {number} of the batch file: {exc}") from None
        planned.append((server, password, requests, secrets))
    await asyncio.to_thread(_make_folder, out)
    workstation = open_workstation()
    try:
        case = _case(workstation, args.case)
        records = []
        for server, password, requests, secrets in planned:
            workstation.passwords.remember(server, password)
            for request in requests:
                records.append(
                    await workstation.engine.submit(
                        server,
                        request,
                        camera_name=None,
                        out_dir=out,
                        case=case,
                        operator=args.operator or workstation.operator,
                        secret_names=secrets,
                    )
                )
        await workstation.engine.run_until_idle()
        return [workstation.store.get(r.id) for r in records]
    finally:
        await workstation.aclose()


def add_batch_parser(commands: Any) -> None:
    """The `batch` subcommand."""
    parser = commands.add_parser(
        "batch", help="export from several servers and vendors at once, from a JSON-lines file"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="one server per line (see the README)")
    help_time = "ISO 8601 with Z or an offset; without them, workstation local time"
    parser.add_argument("--start", required=True, metavar="T", help=help_time)
    parser.add_argument("--end", required=True, metavar="T", help=help_time)
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="the evidence folder")
    parser.add_argument("--case", help="the case number for every export (created when new)")
    parser.add_argument("--operator", help="who exports (default: the signed-in user)")
    parser.add_argument("--json", action="store_true", help="a list of export results on stdout")
