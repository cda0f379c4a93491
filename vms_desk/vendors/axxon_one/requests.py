"""One small request object per Axxon One endpoint: method, path, query, body and how to read the reply.

Paths are relative to the configured prefix. A VIDEOSOURCEID goes into the path raw, slashes and
colons unescaped, exactly as the vendor's examples show (only characters that would break the URL,
such as spaces, `?` or `#`, are percent-encoded).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar
from urllib.parse import quote

import httpx

from vms_desk.core.errors import NotFound, ProtocolError, ServerError, VendorError
from vms_desk.core.options import JsonValue
from vms_desk.vendors.axxon_one.wire import (
    LABEL,
    AuthReply,
    CameraListReply,
    ExportStatusReply,
    IntervalsReply,
    VersionReply,
    decode,
    reason_of,
)

T = TypeVar("T")
AUTH_SERVICE = "axxonsoft.bl.auth.AuthenticationService"
_SAFE_IN_PATH = "/:@!$&'()*+,;="


def raw_source(source_id: str) -> str:
    """A VIDEOSOURCEID for the URL path: raw, with only URL-breaking characters escaped.

    An id pasted with its accessPoint `hosts/` prefix is accepted: the URL form never has it.
    """
    return quote(source_id.removeprefix("hosts/"), safe=_SAFE_IN_PATH)


class AxxonRequest[T](ABC):
    """An Axxon One endpoint call; `Client.call` sends it and returns `decode(reply)`."""

    method: ClassVar[str] = "GET"
    # Non-2xx statuses that `decode` handles itself instead of raising.
    accepts: ClassVar[frozenset[int]] = frozenset()

    @property
    @abstractmethod
    def path(self) -> str:
        """Path after the prefix, without a leading slash."""

    @property
    def params(self) -> list[tuple[str, str]]:
        """Query parameters."""
        return []

    @property
    def body(self) -> JsonValue:
        """JSON body (POST), or None."""
        return None

    def refusal(self, response: httpx.Response) -> ServerError | None:
        """A request-specific error for a non-2xx reply, or None for the generic mapping."""
        return None

    @abstractmethod
    def decode(self, response: httpx.Response) -> T:
        """The typed result of a successful reply."""


def _unknown_camera(source_id: str, response: httpx.Response) -> ServerError | None:
    if response.status_code == 404:
        return NotFound(
            f"{LABEL} does not know the camera {source_id!r}. Refresh the camera list and pick it again.",
            detail=f"{response.request.method} {response.request.url.path} -> 404: {reason_of(response)}",
        )
    return None


@dataclass(frozen=True)
class ProductVersion(AxxonRequest[VersionReply]):
    """GET /product/version."""

    @property
    def path(self) -> str:
        """The endpoint path."""
        return "product/version"

    def decode(self, response: httpx.Response) -> VersionReply:
        """The version reply."""
        return decode(VersionReply, response)


@dataclass(frozen=True)
class CameraList(AxxonRequest[CameraListReply]):
    """GET /camera/list, one page."""

    limit: int
    next_page: str | None = None

    @property
    def path(self) -> str:
        """The endpoint path."""
        return "camera/list"

    @property
    def params(self) -> list[tuple[str, str]]:
        """limit and the previous page's token."""
        pairs = [("limit", str(self.limit))]
        return [*pairs, ("next_page", self.next_page)] if self.next_page else pairs

    def decode(self, response: httpx.Response) -> CameraListReply:
        """One page of cameras."""
        return decode(CameraListReply, response)


@dataclass(frozen=True)
class ArchiveIntervals(AxxonRequest[IntervalsReply]):
    """GET /archive/contents/intervals/{VIDEOSOURCEID}/{ENDTIME}/{BEGINTIME} (note the order)."""

    source_id: str
    end: str
    begin: str
    limit: int

    @property
    def path(self) -> str:
        """The endpoint path, end time first as documented."""
        return f"archive/contents/intervals/{raw_source(self.source_id)}/{self.end}/{self.begin}"

    @property
    def params(self) -> list[tuple[str, str]]:
        """The page size."""
        return [("limit", str(self.limit))]

    def refusal(self, response: httpx.Response) -> ServerError | None:
        """404: the camera is unknown."""
        return _unknown_camera(self.source_id, response)

    def decode(self, response: httpx.Response) -> IntervalsReply:
        """The intervals and whether more follow."""
        return decode(IntervalsReply, response)


_LOCATION_ID = re.compile(r"export/([^/?#]+)/?(?:[?#].*)?$")


@dataclass(frozen=True)
class StartExport(AxxonRequest[str]):
    """POST /export/archive/{VIDEOSOURCEID}/{BEGINTIME}/{ENDTIME}?waittimeout=...; returns the export id."""

    method: ClassVar[str] = "POST"
    source_id: str
    begin: str
    end: str
    options: dict[str, JsonValue]
    wait_ms: int = 30000  # the docs recommend at least 30000

    @property
    def path(self) -> str:
        """The endpoint path, begin time first."""
        return f"export/archive/{raw_source(self.source_id)}/{self.begin}/{self.end}"

    @property
    def params(self) -> list[tuple[str, str]]:
        """waittimeout in ms."""
        return [("waittimeout", str(self.wait_ms))]

    @property
    def body(self) -> JsonValue:
        """The export options as the JSON body (format first, as in the vendor's example)."""
        return dict(self.options)

    def refusal(self, response: httpx.Response) -> ServerError | None:
        """400 carries the server's reason verbatim; 404 is an unknown camera; 403 no export right."""
        reason = reason_of(response)
        detail = f"POST {response.request.url.path} -> {response.status_code}: {reason}"
        if response.status_code == 400:
            return VendorError(
                f"{LABEL} refused the export request ({reason or 'no reason given'}). "
                "Check the time span and the export options.",
                code="400",
                vendor_text=reason,
                detail=detail,
            )
        if response.status_code == 403:
            return VendorError(
                f"{LABEL} does not allow this user to export the camera {self.source_id!r}. "
                "Ask the administrator for export rights.",
                code="403",
                vendor_text=reason,
                detail=detail,
            )
        return _unknown_camera(self.source_id, response)

    def decode(self, response: httpx.Response) -> str:
        """The export id from the Location header (`/export/{id}`, with or without a prefix)."""
        location = response.headers.get("Location", "")
        match = _LOCATION_ID.search(location)
        if not match:
            raise ProtocolError(
                f"{LABEL} accepted the export but did not say where to follow it.",
                detail=f"status {response.status_code}, Location {location!r}",
            )
        return match.group(1)


@dataclass(frozen=True)
class GetExportStatus(AxxonRequest[ExportStatusReply]):
    """GET /export/{id}/status (the docs omit the prefix on this one call; vms_desk keeps it, a choice)."""

    export_id: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}/status"

    def decode(self, response: httpx.Response) -> ExportStatusReply:
        """The export's state."""
        return decode(ExportStatusReply, response)


@dataclass(frozen=True)
class GetExportFile(AxxonRequest[bytes]):
    """GET /export/{id}/file?name=... (streamed by the client; `decode` serves small files)."""

    export_id: str
    name: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}/file"

    @property
    def params(self) -> list[tuple[str, str]]:
        """The exact name from `files`."""
        return [("name", self.name)]

    def decode(self, response: httpx.Response) -> bytes:
        """The file's bytes."""
        return response.content


@dataclass(frozen=True)
class DeleteExport(AxxonRequest[bool]):
    """DELETE /export/{id}; True when the server still had it (204/200), False for 404."""

    method: ClassVar[str] = "DELETE"
    accepts: ClassVar[frozenset[int]] = frozenset({404})
    export_id: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}"

    def decode(self, response: httpx.Response) -> bool:
        """Whether anything was deleted."""
        return response.status_code != 404


@dataclass(frozen=True)
class Authenticate(AxxonRequest[AuthReply]):
    """POST /grpc AuthenticateEx (sent with Basic auth): a Bearer token."""

    method: ClassVar[str] = "POST"
    user: str
    password: str = field(repr=False)

    @property
    def path(self) -> str:
        """The gRPC gateway."""
        return "grpc"

    @property
    def body(self) -> JsonValue:
        """The AuthenticateEx call."""
        return {
            "method": f"{AUTH_SERVICE}.AuthenticateEx",
            "data": {"user_name": self.user, "password": self.password},
        }

    def decode(self, response: httpx.Response) -> AuthReply:
        """The token reply."""
        return decode(AuthReply, response)


@dataclass(frozen=True)
class SessionCall(AxxonRequest[AuthReply]):
    """POST /grpc RenewSession or CloseSession (sent with the Bearer token)."""

    method: ClassVar[str] = "POST"
    name: str  # "RenewSession" or "CloseSession"

    @property
    def path(self) -> str:
        """The gRPC gateway."""
        return "grpc"

    @property
    def body(self) -> JsonValue:
        """The call with empty data, as documented."""
        return {"method": f"{AUTH_SERVICE}.{self.name}", "data": {}}

    def decode(self, response: httpx.Response) -> AuthReply:
        """A new token (RenewSession) or just the error code (CloseSession)."""
        return decode(AuthReply, response)
