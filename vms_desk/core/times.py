"""Times: what users type, and each vendor's wire format. Inside vms_desk every time is aware UTC."""

from __future__ import annotations

import functools
import os
import re
import sys
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from vms_desk.core.errors import InputError, ProtocolError


def ensure_utc(value: datetime, what: str = "time") -> datetime:
    """The same instant as an aware UTC datetime; naive values are refused (they are a bug here)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"The {what} {value.isoformat()} has no time zone.")
    return value.astimezone(UTC)


def local_zone() -> tzinfo:
    """The workstation's zone (IANA where known, so DST gaps and folds can be detected)."""
    linked = _linked_zone()
    if linked is not None:
        return linked
    try:
        from tzlocal import get_localzone

        return get_localzone()
    except Exception:
        zone = datetime.now().astimezone().tzinfo
        return zone if zone is not None else UTC


@functools.cache
def _linked_zone() -> ZoneInfo | None:
    """Where TZ is unset and /etc/localtime links into a zoneinfo folder, the zone it names: tzlocal's
    answer there too, without its imports and cross-checks (tens of milliseconds the window's first
    paint waits for). None elsewhere (Windows, TZ set, a copied file): ask tzlocal."""
    if sys.platform == "win32" or os.environ.get("TZ"):
        return None
    try:
        target = os.path.realpath("/etc/localtime")
        _, found, key = target.rpartition("/zoneinfo/")
        return ZoneInfo(key) if found and key else None
    except (OSError, ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


def zone_label(zone: tzinfo | None = None, when: datetime | None = None) -> str:
    """A short name for the zone, e.g. 'Europe/Berlin (UTC+01:00)'."""
    zone = zone or local_zone()
    when = (when or datetime.now(UTC)).astimezone(zone)
    offset = when.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    key = getattr(zone, "key", None) or when.tzname() or ""
    return f"{key} ({offset})" if key and key != offset else offset


def localize(naive: datetime, zone: tzinfo | None = None) -> datetime:
    """Attach the workstation zone to a naive time, refusing times that DST skips or repeats."""
    zone = zone or local_zone()
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either a repeated hour (both real) or a skipped hour (neither round-trips).
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            raise InputError(
                f"{naive:%Y-%m-%d %H:%M:%S} does not exist in {zone_label(zone, first)}: the clocks "
                "skipped it for daylight saving. Give the time with an offset, e.g. +01:00."
            )
        raise InputError(
            f"{naive:%Y-%m-%d %H:%M:%S} happens twice in {zone_label(zone, first)} because of the "
            "daylight-saving change. Give the time with an offset (e.g. +02:00) or in UTC (Z)."
        )
    return first


def parse_user_time(text: str, zone: tzinfo | None = None) -> datetime:
    """ISO 8601 from a user: with Z or an offset, or naive meaning workstation local time."""
    raw = text.strip()
    if not raw:
        raise InputError("A time is missing: give it as ISO 8601, e.g. 2026-11-20T13:05:00Z.")
    candidate = raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw
    candidate = candidate.replace(" ", "T", 1) if "T" not in candidate else candidate
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise InputError(
            f"{raw!r} is not a time vms_desk understands: use ISO 8601, e.g. 2026-11-20T13:05:00Z "
            "or 2026-11-20T14:05:00+01:00 (a time without Z or offset is workstation local time)."
        ) from None
    if value.tzinfo is None:
        value = localize(value, zone)
    return value.astimezone(UTC)


def _fail(vendor: str, text: str) -> ProtocolError:
    return ProtocolError(
        f"The {vendor} server sent a time vms_desk cannot read ({text[:40]!r}).",
        detail=f"unparseable {vendor} time: {text!r}",
    )


# --- Axxon One: YYYYMMDDTHHMMSS[.ffffff], UTC -------------------------------------------------------
_AXXON = re.compile(r"^(\d{8})T(\d{6})(?:\.(\d{1,9}))?$")


def to_axxon(value: datetime) -> str:
    """Axxon One URL time: YYYYMMDDTHHMMSS.ffffff (microseconds kept only when non-zero)."""
    utc = ensure_utc(value)
    base = utc.strftime("%Y%m%dT%H%M%S")
    return f"{base}.{utc.microsecond:06d}" if utc.microsecond else base


def from_axxon(text: str) -> datetime:
    """Parse Axxon One's YYYYMMDDTHHMMSS[.fff…] (UTC)."""
    match = _AXXON.match(text.strip())
    if not match:
        raise _fail("Axxon One", text)
    day, clock, frac = match.groups()
    try:
        value = datetime.strptime(day + clock, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise _fail("Axxon One", text) from None
    micros = int((frac or "0").ljust(6, "0")[:6])
    return value.replace(microsecond=micros)


# --- ISO 8601 family: PSIM (Z or offset), exacq (RFC 3339), Axis (Z) --------------------------------
def to_iso_z(value: datetime, *, millis: bool = False) -> str:
    """ISO 8601 in UTC with a Z: 2026-11-20T13:05:00Z (or .123Z with millis)."""
    utc = ensure_utc(value)
    if millis:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)


def from_iso(text: str, vendor: str = "server", *, naive_is_utc: bool = True) -> datetime:
    """Parse ISO 8601 / RFC 3339 with Z, an offset, or (as the vendor's UTC) none."""
    match = _ISO.match(text.strip())
    if not match:
        raise _fail(vendor, text)
    year, month, day, hour, minute, second, frac, zone = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        raise _fail(vendor, text) from None
    value = value.replace(microsecond=int((frac or "0").ljust(6, "0")[:6]))
    if zone in (None, "Z", "z"):
        if zone is None and not naive_is_utc:
            raise _fail(vendor, text)
        return value.replace(tzinfo=UTC)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise _fail(vendor, text)
    offset = timedelta(hours=hours, minutes=minutes) * sign
    return (value - offset).replace(tzinfo=UTC)


def to_psim(value: datetime) -> str:
    """Axxon PSIM request time: YYYY-MM-DDTHH:MM:SS.ffZ as in the vendor's example (UTC)."""
    utc = ensure_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 10000:02d}Z"


def to_exacq(value: datetime, zone: tzinfo = UTC) -> str:
    """exacqVision RFC 3339 time carrying the server's offset (UTC unless the server says otherwise)."""
    local = ensure_utc(value).astimezone(zone)
    text = local.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if zone is UTC else text


def server_zone(name: str | None) -> tzinfo:
    """A server-declared zone name as a tzinfo; UTC when unknown (a choice: exacq may omit it)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


# --- VDG Sense: yyyy-mm-dd hh:nn:ss.zzz, UTC ----------------------------------------------------------
_VDG = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$")


def to_vdg(value: datetime) -> str:
    """VDG Sense timestamp: yyyy-mm-dd hh:nn:ss.zzz in UTC (milliseconds)."""
    utc = ensure_utc(value)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def from_vdg(text: str) -> datetime:
    """Parse VDG Sense's yyyy-mm-dd hh:nn:ss[.zzz] (UTC)."""
    match = _VDG.match(text.strip())
    if not match:
        raise _fail("VDG Sense", text)
    try:
        value = datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise _fail("VDG Sense", text) from None
    millis = match.group(7)
    return value.replace(microsecond=int(millis.ljust(3, "0")) * 1000) if millis else value


# --- Axis RTSP form: YYYYMMDDTHHMMSSZ ------------------------------------------------------------------
def to_axis_rtsp(value: datetime) -> str:
    """Axis RTSP/file-name time: YYYYMMDDTHHMMSSZ (UTC, whole seconds)."""
    return ensure_utc(value).strftime("%Y%m%dT%H%M%SZ")


def from_axis_rtsp(text: str) -> datetime:
    """Parse Axis' YYYYMMDDTHHMMSS[.fff]Z."""
    raw = text.strip()
    if not raw.endswith(("Z", "z")):
        raise _fail("Axis", text)
    return from_axxon(raw[:-1])


def to_axis(value: datetime) -> str:
    """Axis VAPIX ISO 8601 time with Z; fractions kept to the microsecond when present."""
    utc = ensure_utc(value)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> datetime:
    """The current instant, aware UTC (one place to read the clock)."""
    return datetime.now(UTC)
