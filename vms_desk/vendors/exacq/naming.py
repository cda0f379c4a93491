"""exacqVision choices that are settings or untrusted names: the time zone of sent times, download names.

Time zone (issue 9 point 9, docs/vendors/exacq.md). The Redoc gives every `start`/`end` "in IETC RFC 3339
format", and its own replies carry `Z` times (`"start_time": "2018-06-20T13:56:21Z"`). An RFC 3339 time
names its instant by itself, so UTC with `Z` is the default. config.web's `timezone: -4` is a fixed
offset: sending times with it (what public client code does) is right only while that offset holds, and
wrong for half of every year where the server observes daylight saving. The server setting `time_zone`:
- `utc` (default): times end in `Z`;
- `server`: the offset config.web reports (the old behaviour, for a server that reads only wall time);
- an IANA name such as `America/New_York`: wall time in that zone with the offset right for each instant.
"""

from __future__ import annotations

import re
from datetime import UTC, tzinfo
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vms_desk.core.errors import InputError

TIME_ZONE_SETTING = "time_zone"
ZONE_UTC, ZONE_SERVER = "utc", "server"
MAX_NAME = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_PLAIN = re.compile(r'filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)', re.IGNORECASE)


def time_zone_setting(settings: dict[str, str]) -> tzinfo | str:
    """UTC, ZONE_SERVER, or the IANA zone named; InputError for a name that is not a zone."""
    raw = settings.get(TIME_ZONE_SETTING, "").strip()
    if not raw or raw.lower() == ZONE_UTC:
        return UTC
    if raw.lower() == ZONE_SERVER:
        return ZONE_SERVER
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"The exacqVision setting {TIME_ZONE_SETTING}={raw!r} is not known: use utc, server, or a time "
            "zone name such as America/New_York."
        ) from None


def disposition_name(header: str) -> str:
    """The file name a Content-Disposition header gives, made safe for a local file; "" when none.

    RFC 6266: `filename*=UTF-8''…` wins over `filename=`. Path parts are dropped (a server name is
    untrusted), characters Windows refuses become `_`, leading dots and trailing dots/spaces go.
    """
    name = ""
    if star := _STAR.search(header):
        charset = star.group(1).strip() or "utf-8"
        try:
            name = unquote(star.group(2).strip(), encoding=charset, errors="replace")
        except LookupError:
            name = unquote(star.group(2).strip())
    elif plain := _PLAIN.search(header):
        value = plain.group(1).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        name = value
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").rstrip(". ")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name
