"""Times as the report, the CSV and the bundle page show them: local with the zone named, and UTC."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def local_text(value: datetime | None, zone: tzinfo) -> str:
    """'2026-12-01 14:03:05 CET' (the zone's abbreviation or offset always shown); '' for None."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    name = local.tzname() or local.strftime("%z")
    millis = f".{local.microsecond // 1000:03d}" if local.microsecond else ""
    return f"{local:%Y-%m-%d %H:%M:%S}{millis} {name}"


def utc_text(value: datetime | None) -> str:
    """'2026-12-01T13:03:05Z' (milliseconds when there are any); '' for None."""
    if value is None:
        return ""
    utc = value.astimezone(UTC)
    millis = f".{utc.microsecond // 1000:03d}" if utc.microsecond else ""
    return f"{utc:%Y-%m-%dT%H:%M:%S}{millis}Z"


def span_text(start: datetime | None, end: datetime | None, zone: tzinfo) -> tuple[str, str]:
    """(local, UTC) texts of a span; 'not reported' when the server did not say."""
    if start is None and end is None:
        return "not reported", "not reported"
    return (
        f"{local_text(start, zone) or '?'} – {local_text(end, zone) or '?'}",
        f"{utc_text(start) or '?'} – {utc_text(end) or '?'}",
    )
