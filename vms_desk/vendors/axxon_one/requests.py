"""One small request object per Axxon One endpoint: method, path, query, body and how to read the reply.

Every class is a `vendors.request.Request` sent by `Funnel.call` under the AxxonAuth policy (session.py).
Paths are relative to the configured prefix. A VIDEOSOURCEID goes into the path raw, slashes and
colons unescaped, exactly as the vendor's examples show (only characters that would break the URL,
such as spaces, `?` or `#`, are percent-encoded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Self
from urllib.parse import quote

from vms_desk.core.errors import AuthFailed, NotFound, ProtocolError, ServerError, VendorError
from vms_desk.core.options import JsonValue
from vms_desk.vendors.axxon_one.wire import (
    LABEL,
    AuthReply,
    CameraListReply,
    ExportStatusReply,
    IntervalsReply,
    VersionReply,
)
from vms_desk.vendors.request import Params, Reply, Request, decode_model, server_words, with_words

AUTH_SERVICE = "axxonsoft.bl.auth.AuthenticationService"
_SAFE_IN_PATH = "/:@!$&'()*+,;="
EXAMPLE_SOURCE = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
EXAMPLE_EXPORT = "3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3"  # the id in the vendor's Location example


def raw_source(source_id: str) -> str:
    """A VIDEOSOURCEID for the URL path: raw, with only URL-breaking characters escaped.

    An id pasted with its accessPoint `hosts/` prefix is accepted: the URL form never has it.
    """
    return quote(source_id.removeprefix("hosts/"), safe=_SAFE_IN_PATH)


class AxxonRequest[T](Request[T]):
    """An Axxon One endpoint call; `Client.call` sends it and returns `decode(reply)`."""


def _unknown_camera(source_id: str, reply: Reply) -> ServerError | None:
    if reply.status == 404:
        return NotFound(
            with_words(
                f"{LABEL} does not know the camera {source_id!r} (or the Web-Server prefix is wrong). "
                "Refresh the camera list and pick it again; if no camera works, check the prefix.",
                reply,
            ),
            detail=f"{reply.method} {reply.path} -> 404: {server_words(reply)}",
        )
    return None


@dataclass(frozen=True)
class ProductVersion(AxxonRequest[VersionReply]):
    """GET /product/version."""

    @property
    def path(self) -> str:
        """The endpoint path."""
        return "product/version"

    def decode(self, reply: Reply) -> VersionReply:
        """The version reply."""
        return decode_model(VersionReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The only form."""
        return cls()


@dataclass(frozen=True)
class CameraList(AxxonRequest[CameraListReply]):
    """GET /camera/list, one page."""

    limit: int
    next_page: str | None = None

    @property
    def path(self) -> str:
        """The endpoint path."""
        return "camera/list"

    def params(self) -> Params:
        """limit and the previous page's token."""
        pairs = [("limit", str(self.limit))]
        return [*pairs, ("next_page", self.next_page)] if self.next_page else pairs

    def decode(self, reply: Reply) -> CameraListReply:
        """One page of cameras."""
        return decode_model(CameraListReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The documented default page."""
        return cls(limit=1000)


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

    def params(self) -> Params:
        """The page size."""
        return [("limit", str(self.limit))]

    def refusal(self, reply: Reply) -> ServerError | None:
        """404: the camera is unknown."""
        return _unknown_camera(self.source_id, reply)

    def decode(self, reply: Reply) -> IntervalsReply:
        """The intervals and whether more follow."""
        return decode_model(IntervalsReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The vendor's example: the whole archive of one source."""
        return cls(EXAMPLE_SOURCE, end="past", begin="future", limit=100)


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

    def params(self) -> Params:
        """waittimeout in ms."""
        return [("waittimeout", str(self.wait_ms))]

    def json_body(self) -> JsonValue:
        """The export options as the JSON body (format first, as in the vendor's example)."""
        return dict(self.options)

    def refusal(self, reply: Reply) -> ServerError | None:
        """400 carries the server's reason verbatim; 404 is an unknown camera; 403 no export right."""
        reason = server_words(reply)
        detail = f"POST {reply.path} -> {reply.status}: {reason}"
        if reply.status == 400:
            return VendorError(
                with_words(
                    f"{LABEL} refused the export request. Check the time span and the export options.", reply
                ),
                code="400",
                vendor_text=reason,
                detail=detail,
            )
        if reply.status == 403:
            # Reached only after the auth policy retried a Basic 403 with a Bearer token (point 6).
            return VendorError(
                with_words(
                    f"{LABEL} does not allow this user to export the camera {self.source_id!r}. "
                    "Ask the administrator for export rights.",
                    reply,
                ),
                code="403",
                vendor_text=reason,
                detail=detail,
            )
        return _unknown_camera(self.source_id, reply)

    def decode(self, reply: Reply) -> str:
        """The export id from the Location header (`/export/{id}`, with or without a prefix)."""
        location = reply.headers.get("Location", "")
        match = _LOCATION_ID.search(location)
        if not match:
            raise ProtocolError(
                f"{LABEL} accepted the export but did not say where to follow it.",
                detail=f"status {reply.status}, Location {location!r}",
            )
        return match.group(1)

    @classmethod
    def example(cls) -> Self:
        """The vendor's own example body."""
        return cls(EXAMPLE_SOURCE, "20190903T050000", "20190903T050100", {"format": "mp4", "vc": 4})


@dataclass(frozen=True)
class GetExportStatus(AxxonRequest[ExportStatusReply]):
    """GET /export/{id}/status (the docs omit the prefix on this one call; vms_desk keeps it, a choice)."""

    export_id: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}/status"

    def decode(self, reply: Reply) -> ExportStatusReply:
        """The export's state."""
        return decode_model(ExportStatusReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The vendor's example export."""
        return cls(EXAMPLE_EXPORT)


@dataclass(frozen=True)
class GetExportFile(AxxonRequest[bytes]):
    """GET /export/{id}/file?name=... (streamed by the client; `decode` serves small files)."""

    reads_body: ClassVar[bool] = False

    export_id: str
    name: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}/file"

    def params(self) -> Params:
        """The exact name from `files`."""
        return [("name", self.name)]

    def decode(self, reply: Reply) -> bytes:
        """The file's bytes."""
        return reply.content

    @classmethod
    def example(cls) -> Self:
        """A file of the vendor's example export."""
        return cls(EXAMPLE_EXPORT, "Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4")


@dataclass(frozen=True)
class DeleteExport(AxxonRequest[bool]):
    """DELETE /export/{id}; True when the server still had it (204/200), False for 404."""

    method: ClassVar[str] = "DELETE"
    reads_body: ClassVar[bool] = False
    accepts: ClassVar[frozenset[int]] = frozenset({404})
    export_id: str

    @property
    def path(self) -> str:
        """The endpoint path."""
        return f"export/{quote(self.export_id, safe='')}"

    def decode(self, reply: Reply) -> bool:
        """Whether anything was deleted."""
        return reply.status != 404

    @classmethod
    def example(cls) -> Self:
        """The vendor's example export."""
        return cls(EXAMPLE_EXPORT)


@dataclass(frozen=True)
class Authenticate(AxxonRequest[AuthReply]):
    """POST /grpc AuthenticateEx, sent with Basic auth (anonymous requests are prohibited): a Bearer token."""

    method: ClassVar[str] = "POST"
    authenticated: ClassVar[bool] = False  # the login itself: its own Basic header, no recovery
    user: str
    password: str = field(repr=False)
    basic: str = field(repr=False, default="")  # the `Authorization: Basic ...` value

    @property
    def path(self) -> str:
        """The gRPC gateway."""
        return "grpc"

    def headers(self) -> dict[str, str]:
        """Basic credentials for the gateway."""
        return {"Authorization": self.basic} if self.basic else {}

    def json_body(self) -> JsonValue:
        """The AuthenticateEx call."""
        return {
            "method": f"{AUTH_SERVICE}.AuthenticateEx",
            "data": {"user_name": self.user, "password": self.password},
        }

    def refusal(self, reply: Reply) -> ServerError | None:
        """No gateway (404/405/501): there is no token to fall back on."""
        if reply.status in (404, 405, 501):
            return AuthFailed(
                with_words(
                    f"{LABEL} refused the user name or password and offers no token login. Check them.", reply
                ),
                detail=f"POST grpc -> {reply.status}",
            )
        return None

    def decode(self, reply: Reply) -> AuthReply:
        """The token reply."""
        return decode_model(AuthReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The vendor's example user."""
        return cls("root", "root")


@dataclass(frozen=True)
class SessionCall(AxxonRequest[AuthReply]):
    """POST /grpc RenewSession or CloseSession (sent with the Bearer token, never retried)."""

    method: ClassVar[str] = "POST"
    authenticated: ClassVar[bool] = False  # the policy sends it with the token itself
    token: str = field(repr=False)
    name: str = "RenewSession"  # or "CloseSession"

    def headers(self) -> dict[str, str]:
        """The session's Bearer token."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    @property
    def path(self) -> str:
        """The gRPC gateway."""
        return "grpc"

    def json_body(self) -> JsonValue:
        """The call with empty data, as documented."""
        return {"method": f"{AUTH_SERVICE}.{self.name}", "data": {}}

    def decode(self, reply: Reply) -> AuthReply:
        """A new token (RenewSession) or just the error code (CloseSession)."""
        return decode_model(AuthReply, reply, LABEL)

    @classmethod
    def example(cls) -> Self:
        """The renewal call."""
        return cls("eyJ", "RenewSession")
