"""This workstation as a manifest records it (v2): host name, IANA time zone, UTC offset, libraries."""

from __future__ import annotations

import os
import platform
import socket
import ssl
from datetime import datetime
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# What touches the bytes of an export on their way to disk: the HTTP stack and the TLS/hash library.
BYTE_LIBRARIES = ("httpx", "httpcore", "h11", "h2", "anyio", "certifi")


def local_zone_name() -> str:
    """The workstation's IANA time zone name (e.g. Europe/London); "" when it cannot be told.

    tzlocal knows Windows' zone names; without it, TZ and the /etc/localtime link tell on POSIX."""
    try:
        import tzlocal  # type: ignore[import-not-found,unused-ignore]

        name = str(tzlocal.get_localzone_name() or "")
        if name:
            return name
    except Exception:  # noqa: S110 - optional: any failure falls back to the OS' own files
        pass
    env = os.environ.get("TZ", "").lstrip(":")
    if env and _known(env):
        return env
    link = Path("/etc/localtime")
    if link.is_symlink():
        target = str(link.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        text = timezone_file.read_text(encoding="utf-8").strip()
        if _known(text):
            return text
    return ""


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _offset_text(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone)) if zone and _known(zone) else moment.astimezone()
    offset = local.utcoffset()
    if offset is None:
        return "+00:00"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def utc_offset_over(start: datetime, end: datetime, zone: str) -> str:
    """The zone's UTC offset over a span: one value, or `first..last` when the span crosses a change."""
    first, last = _offset_text(start, zone), _offset_text(end, zone)
    return first if first == last else f"{first}..{last}"


def host_name() -> str:
    """This computer's name."""
    return socket.gethostname() or platform.node()


def library_versions() -> dict[str, str]:
    """The versions of the libraries that carried the bytes (those installed), Python and OpenSSL."""
    versions = {"python": platform.python_version(), "openssl": ssl.OPENSSL_VERSION}
    for name in BYTE_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
