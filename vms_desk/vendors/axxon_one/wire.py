"""Axxon One wire models: decode the Web-Server's JSON in one place and convert to core models.

Every model ignores fields it does not know and tolerates missing optional ones, so a newer server
version does not break the client; vendor field names stop here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from vms_desk.core.errors import ProtocolError
from vms_desk.core.models import Camera, TimeSpan
from vms_desk.core.times import from_axxon

HOSTS_PREFIX = "hosts/"
LABEL = "The Axxon One server"
M = TypeVar("M", bound=BaseModel)


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, coerce_numbers_to_str=True)


def video_source_id(access_point: str) -> str:
    """The VIDEOSOURCEID used in URLs: the accessPoint without its `hosts/` prefix (VENDOR-NOTES 1.3)."""
    return access_point.removeprefix(HOSTS_PREFIX)


class WireCamera(_Wire):
    """One entry of GET /camera/list."""

    access_point: str = Field(validation_alias=AliasChoices("accessPoint", "access_point"))
    display_name: str = Field("", validation_alias=AliasChoices("displayName", "display_name"))
    display_id: str = Field("", validation_alias=AliasChoices("displayId", "display_id"))
    enabled: bool = True
    is_activated: bool = Field(True, validation_alias=AliasChoices("isActivated", "is_activated"))
    camera_access: str = ""
    model: str = ""
    vendor: str = ""

    def to_camera(self) -> Camera:
        """The core Camera; its id is the raw VIDEOSOURCEID."""
        ident = video_source_id(self.access_point)
        # A choice: only the access levels that name monitoring-only or forbidden refuse export.
        restricted = any(word in self.camera_access.upper() for word in ("MONITORING", "FORBID"))
        detail = {"display_id": self.display_id, "access_point": self.access_point}
        if self.model:
            detail["model"] = self.model
        return Camera(
            id=ident,
            name=self.display_name or ident,
            online=self.enabled and self.is_activated,
            exportable=not restricted,
            detail=detail,
        )


class CameraListReply(_Wire):
    """GET /camera/list; the paging token's name is UNCONFIRMED (VENDOR-NOTES 6.5), so several are read."""

    cameras: tuple[WireCamera, ...] = ()
    next_page_token: str | None = Field(
        None, validation_alias=AliasChoices("nextPageToken", "next_page_token", "nextPage", "next_page")
    )


class WireInterval(_Wire):
    """One recorded interval: begin/end in Axxon time (UTC)."""

    begin: str
    end: str

    def to_span(self) -> TimeSpan:
        """The interval as a TimeSpan (descending replies give end before begin: sorted here)."""
        first, second = from_axxon(self.begin), from_axxon(self.end)
        return TimeSpan(start=min(first, second), end=max(first, second))


class IntervalsReply(_Wire):
    """GET /archive/contents/intervals/...; `result` is seen live with an unconfirmed meaning."""

    intervals: tuple[WireInterval, ...] = ()
    more: bool = False
    result: int | None = None


class VersionReply(_Wire):
    """GET /product/version."""

    version: str = ""


class AuthReply(_Wire):
    """AuthenticateEx / RenewSession through /grpc."""

    token_name: str = ""
    token_value: str = Field("", repr=False)
    expires_at: str = ""
    error_code: str = ""

    def expiry(self) -> datetime | None:
        """When the token expires (UTC), or None when the server gave no readable time."""
        try:
            return from_axxon(self.expires_at) if self.expires_at else None
        except ProtocolError:
            return None


class ExportStatusReply(_Wire):
    """GET /export/{id}/status."""

    id: str = ""
    state: int
    progress: float = 0.0
    error: str = ""
    files: tuple[str, ...] = ()
    files_friendly: tuple[str, ...] = Field(
        (), validation_alias=AliasChoices("filesFriendly", "files_friendly")
    )


_NAME_SPAN = re.compile(r"\[(\d{8}T\d{6}(?:\.\d+)?)-(\d{8}T\d{6}(?:\.\d+)?)\]")


def span_in_name(name: str) -> TimeSpan | None:
    """The span in a server file name such as Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4."""
    match = _NAME_SPAN.search(name)
    if not match:
        return None
    try:
        first, second = from_axxon(match.group(1)), from_axxon(match.group(2))
    except ProtocolError:
        return None
    return TimeSpan(start=min(first, second), end=max(first, second))
