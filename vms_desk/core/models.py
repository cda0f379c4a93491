"""Servers, cameras, time spans and recordings: the nouns every layer shares."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from vms_desk.core.errors import InputError
from vms_desk.core.times import ensure_utc


class Vendor(StrEnum):
    """The five vendor APIs vms_desk speaks; values are the CLI's `--vendor` names."""

    AXXON_ONE = "axxon-one"
    AXXON_PSIM = "axxon-psim"
    VDG_SENSE = "vdg-sense"
    EXACQ = "exacq"
    AXIS = "axis"

    @property
    def display_name(self) -> str:
        """The vendor's product name as users know it."""
        return _DISPLAY[self]


_DISPLAY = {
    Vendor.AXXON_ONE: "Axxon One",
    Vendor.AXXON_PSIM: "Axxon PSIM",
    Vendor.VDG_SENSE: "VDG Sense",
    Vendor.EXACQ: "exacqVision",
    Vendor.AXIS: "Axis (edge storage)",
}


def parse_vendor(text: str) -> Vendor:
    """The vendor named by `text`, or an InputError listing the valid names."""
    try:
        return Vendor(text.strip().lower())
    except ValueError:
        names = ", ".join(v.value for v in Vendor)
        raise InputError(f"Unknown vendor {text!r}: use one of {names}.") from None


def normalise_url(url: str) -> str:
    """A server base URL without credentials, query or trailing slash; refuses what is not http(s)."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InputError(f"The server address {url!r} must start with http:// or https://.")
    if not parts.hostname:
        raise InputError(f"The server address {url!r} names no host.")
    if parts.username or parts.password:
        raise InputError("Put the user name and password in their own fields, not in the server address.")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"The server address {url!r} has an invalid port.") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


class ServerConfig(BaseModel):
    """A server the user added. The password is never part of it (keyring or environment)."""

    model_config = ConfigDict(frozen=True)

    vendor: Vendor
    url: str
    user: str = ""
    name: str = ""
    # Vendor-specific settings (e.g. Axxon One prefix, VDG share mapping, TLS fingerprint).
    settings: dict[str, str] = {}

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return normalise_url(value)

    @property
    def label(self) -> str:
        """What the UI and messages call this server."""
        return self.name or f"{self.vendor.display_name} {self.url}"


class Camera(BaseModel):
    """A camera as the vendor lists it; `id` is the string the CLI's `--camera` takes."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    online: bool = True
    exportable: bool = True
    detail: dict[str, str] = {}


class ServerInfo(BaseModel):
    """What a server says about itself after login."""

    model_config = ConfigDict(frozen=True)

    vendor: Vendor
    name: str = ""
    version: str = ""


class TimeSpan(BaseModel):
    """A closed interval [start, end] of aware UTC datetimes; start == end is a single instant."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return ensure_utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> TimeSpan:
        if self.end < self.start:
            raise InputError(
                f"The end ({self.end:%Y-%m-%d %H:%M:%S} UTC) is before the start "
                f"({self.start:%Y-%m-%d %H:%M:%S} UTC): pick an end after the start."
            )
        return self

    @property
    def duration(self) -> timedelta:
        """end - start."""
        return self.end - self.start

    def overlaps(self, other: TimeSpan) -> bool:
        """True when the two spans share more than a single instant."""
        return self.start < other.end and other.start < self.end

    def clip(self, other: TimeSpan) -> TimeSpan | None:
        """The part of `other` inside this span, or None."""
        if not self.overlaps(other):
            return None
        return TimeSpan(start=max(self.start, other.start), end=min(self.end, other.end))


class Recordings(BaseModel):
    """What a server reports as recorded in a span; `known=False` where the vendor cannot tell."""

    model_config = ConfigDict(frozen=True)

    known: bool
    spans: tuple[TimeSpan, ...] = ()
