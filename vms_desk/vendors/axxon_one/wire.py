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
        detail = {"display_id": self.display_id, "access_point": self.access_point}
        if self.camera_access:
            detail["camera_access"] = self.camera_access
        if self.model:
            detail["model"] = self.model
        return Camera(
            id=ident,
            name=self.display_name or ident,
            online=self.enabled and self.is_activated,
            exportable=may_export(self.camera_access),
            detail=detail,
        )


# The CameraAccess levels that forbid the archive (docs/vendors/axxon-one.md, point 4). The full list
# seen in public client code: UNSPECIFIED, FORBID, ONLY_ARCHIVE, MONITORING_ON_PROTECTION, MONITORING,
# ARCHIVE, MONITORING_ARCHIVE_MANAGE, FULL; every level that includes the archive may export.
NO_ARCHIVE = frozenset(
    {"CAMERA_ACCESS_FORBID", "CAMERA_ACCESS_MONITORING", "CAMERA_ACCESS_MONITORING_ON_PROTECTION"}
)


def may_export(camera_access: str) -> bool:
    """Whether a camera's access level allows an export.

    Only the levels known to forbid the archive refuse. UNSPECIFIED (inherits a default vms_desk cannot
    see), an empty field and a level vms_desk does not know are left to the server, whose 403 then says
    so (a choice: refusing a camera the user may export would be worse than one refused request).
    """
    return camera_access.strip().upper() not in NO_ARCHIVE


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
    """GET /export/{id}/status (`error` and `files` may be null: docs/vendors/axxon-one.md, point 5)."""

    id: str = ""
    state: int
    progress: float = 0.0
    error: str | None = ""  # documented as a description; real servers send null for "no error"
    files: tuple[str, ...] | None = ()
    files_friendly: tuple[str, ...] | None = Field(
        (), validation_alias=AliasChoices("filesFriendly", "files_friendly")
    )

    @property
    def error_text(self) -> str:
        """The server's error text; null, "" and "null" all mean none."""
        text = (self.error or "").strip()
        return "" if text.lower() in ("", "null", "none") else text

    @property
    def file_names(self) -> tuple[str, ...]:
        """The server-side file names (null is none)."""
        return self.files or ()


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
