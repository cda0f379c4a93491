"""One small request object per exacqVision Web Service endpoint: a `vendors.request.Request`.

Each class says what it sends (`route`, `params`, `form`) and how its reply reads (`read`, on the JSON
view `wire.Reply`); `decode` is the Request base's entry point. Every status goes to `read`, which maps
exacq's refusals itself (`accepts` covers them all). Session-bound requests (`authenticated`) get
`s=SESSION` from the ExacqSession policy (session.py), which also logs in again once when the session
is refused.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, TypeVar

from vms_desk.core.errors import AuthFailed, NotFound, ProtocolError
from vms_desk.vendors.exacq.errors import export_lost, raise_for, reply_error
from vms_desk.vendors.exacq.wire import (
    ConfigReply,
    ExportCreated,
    ExportStatusWire,
    FormatsReply,
    LoginReply,
    Reply,
    SearchReply,
    decode,
)
from vms_desk.vendors.request import Reply as HttpReply
from vms_desk.vendors.request import Request

T = TypeVar("T")
Params = list[tuple[str, str]]
EVERY_STATUS = frozenset(range(400, 600))
EXAMPLE_EXPORT = "123e4567-e89b-12d3-a456-426655440000"  # the Redoc's example export id


class Endpoint[T](Request[T]):
    """What every request object declares: how it is sent and how its reply is read."""

    method: ClassVar[str] = "GET"
    route: ClassVar[str]
    accepts: ClassVar[frozenset[int]] = EVERY_STATUS

    @property
    def path(self) -> str:
        """The endpoint's path."""
        return self.route

    def params(self) -> Params:
        """Query parameters (the policy adds `s=` to session-bound requests)."""
        return []

    def form(self) -> dict[str, str] | None:
        """The form body, for POSTs."""
        return None

    def decode(self, reply: HttpReply) -> T:
        """The typed result of an HTTP reply (see `read`)."""
        return self.read(Reply.of(reply))

    @abstractmethod
    def read(self, reply: Reply) -> T:
        """The typed result, or the typed error the reply stands for."""


@dataclass(frozen=True)
class Login(Endpoint[LoginReply]):
    """POST /v1/login.web: form u, p, s (the server id) and responseVersion=2."""

    method: ClassVar[str] = "POST"
    route: ClassVar[str] = "/v1/login.web"
    authenticated: ClassVar[bool] = False
    user: str
    password: str = field(repr=False)
    server_id: str = "0"

    def form(self) -> dict[str, str]:
        """The login form."""
        return {"u": self.user, "p": self.password, "s": self.server_id, "responseVersion": "2"}

    def read(self, reply: Reply) -> LoginReply:
        """The session, or AuthFailed/NotFound/ServerBusy/ProtocolError with a sentence."""
        said = f" (the server said {reply.text!r})" if reply.text else ""
        if reply.status in (401, 403) or (200 <= reply.status < 300 and reply.refused):
            raise AuthFailed(
                f"{reply.where} refused the login{said}. Check the user name and password, and the "
                f"server id ({self.server_id}) in the server's settings.",
                detail=f"{reply.request} -> HTTP {reply.status}",
            )
        if reply.status == 404:
            raise NotFound(
                f"{reply.where} has no /v1/login.web (HTTP 404). Check that the address points at the "
                "exacqVision Web Service (the web client server), not at the recorder itself.",
                detail=f"{reply.request} -> HTTP 404",
            )
        raise_for(reply)
        login = decode(LoginReply, reply)
        if not login.session_id:
            raise ProtocolError(
                f"{reply.where} accepted the login but sent no session id; vms_desk cannot go on.",
                detail=f"{reply.request}: no sessionId in {sorted(reply.body or {})}",
            )
        return login

    @classmethod
    def example(cls) -> Self:
        """An instance from harmless values."""
        return cls("operator", "secret")


@dataclass(frozen=True)
class Logout(Endpoint[None]):
    """POST /v1/logout.web?s=ID: ends a session, or a search (the Redoc asks to log searches out)."""

    method: ClassVar[str] = "POST"
    route: ClassVar[str] = "/v1/logout.web"
    authenticated: ClassVar[bool] = False
    reads_body: ClassVar[bool] = False
    ident: str = field(repr=False)

    def params(self) -> Params:
        """s= the session or search id to end."""
        return [("s", self.ident)]

    def read(self, reply: Reply) -> None:
        """The Redoc answers 302 to the login page; any status below 400 is a logout."""
        if reply.status >= 400:
            raise_for(reply)

    @classmethod
    def example(cls) -> Self:
        """The Redoc's example search id."""
        return cls("0x257a8942")


@dataclass(frozen=True)
class GetConfig(Endpoint[ConfigReply]):
    """GET /v1/config.web?s=&output=json: server name, timezone, cameras."""

    route: ClassVar[str] = "/v1/config.web"

    def params(self) -> Params:
        """s and output=json."""
        return [("output", "json")]

    def read(self, reply: Reply) -> ConfigReply:
        """The configuration."""
        raise_for(reply)
        return decode(ConfigReply, reply)

    @classmethod
    def example(cls) -> Self:
        """An instance from harmless values."""
        return cls()


@dataclass(frozen=True)
class CreateSearch(Endpoint[SearchReply]):
    """GET /v1/search.web?s=&start=&end=&camera=&output=json: the recorded clips in a span."""

    route: ClassVar[str] = "/v1/search.web"
    camera: str
    start: str  # RFC 3339 with the server's offset
    end: str

    def params(self) -> Params:
        """The order public client code uses."""
        return [
            ("start", self.start),
            ("end", self.end),
            ("camera", self.camera),
            ("output", "json"),
        ]

    def read(self, reply: Reply) -> SearchReply:
        """The search result (no `search_id` when nothing was found)."""
        raise_for(reply)
        return decode(SearchReply, reply)

    @classmethod
    def example(cls) -> Self:
        """The Redoc's sample span."""
        return cls("1", "2018-06-20T13:56:21Z", "2018-06-20T14:01:21Z")


@dataclass(frozen=True)
class GetFormats(Endpoint[tuple[str, ...]]):
    """GET /v1/export.web with no parameters: the export formats (needs no session)."""

    route: ClassVar[str] = "/v1/export.web"
    authenticated: ClassVar[bool] = False

    def read(self, reply: Reply) -> tuple[str, ...]:
        """The names, or () when the server gives no list (404, 401/403, not JSON, empty, refused).

        Choice: the Redoc says the list needs no parameters; a server that wants a session for it
        leaves the client on the fallback format rather than failing the export dialog.
        """
        if reply.status in (401, 403, 404) or (reply.status < 300 and reply.refused):
            return ()
        raise_for(reply)
        return decode(FormatsReply, reply).formats

    @classmethod
    def example(cls) -> Self:
        """An instance from harmless values."""
        return cls()


@dataclass(frozen=True)
class CreateExport(Endpoint[str]):
    """GET /v1/export.web?camera=&s=&start=&end=&format=[&name=]: the new export's id."""

    route: ClassVar[str] = "/v1/export.web"
    camera: str
    start: str
    end: str
    format: str
    name: str = ""

    def params(self) -> Params:
        """The order public client code uses; `name` only when given."""
        params = [
            ("camera", self.camera),
            ("start", self.start),
            ("end", self.end),
            ("format", self.format),
        ]
        return [*params, ("name", self.name)] if self.name else params

    def read(self, reply: Reply) -> str:
        """The export id."""
        raise_for(reply)
        export_id = decode(ExportCreated, reply).export_id.strip()
        if not export_id:
            raise ProtocolError(
                f"{reply.where} accepted the export but sent no export id.",
                detail=f"{reply.request}: {reply.excerpt!r}",
            )
        return export_id

    @classmethod
    def example(cls) -> Self:
        """An instance from harmless values."""
        return cls("1", "2018-06-20T13:56:21Z", "2018-06-20T14:01:21Z", "mp4")


@dataclass(frozen=True)
class _OnExport(Endpoint[T]):
    """A call about one export. Choice: `s=` is sent too (public clients omit it; the Redoc lists it),
    so that a dead session shows as a refusal and is renewed like on every other call."""

    route: ClassVar[str] = "/v1/export.web"
    action: ClassVar[str] = ""
    export_id: str

    def params(self) -> Params:
        """export=ID[&action=...]&s=SESSION."""
        params = [("export", self.export_id)]
        if self.action:
            params.append(("action", self.action))
        return params

    def check(self, reply: Reply) -> None:
        """An unknown export (404, or success false) is ExportLost."""
        if reply.status == 404 or (reply.refused and reply.status != 401):
            raise export_lost(
                reply.where, self.export_id, f"{reply.request} -> HTTP {reply.status}: {reply.text!r}"
            )
        raise_for(reply)


@dataclass(frozen=True)
class GetExportStatus(_OnExport[ExportStatusWire]):
    """GET /v1/export.web?export=ID: progress (100 = ready)."""

    def read(self, reply: Reply) -> ExportStatusWire:
        """The status; a 2xx `success: false` is a failed export with the server's words, not a lost one."""
        if 200 <= reply.status < 300 and reply.refused:
            status = decode(ExportStatusWire, reply)
            return status.model_copy(update={"refused": True, "error": status.error or reply.text})
        self.check(reply)
        return decode(ExportStatusWire, reply)

    @classmethod
    def example(cls) -> Self:
        """The Redoc's example export id."""
        return cls(EXAMPLE_EXPORT)


@dataclass(frozen=True)
class DownloadExport(_OnExport[None]):
    """GET /v1/export.web?export=ID&action=download: the file (streamed; only a JSON refusal is decoded)."""

    action: ClassVar[str] = "download"

    def read(self, reply: Reply) -> None:
        """A JSON body instead of the file is a refusal: raise what it stands for."""
        self.check(reply)
        raise (
            reply_error(reply)
            or ProtocolError(
                f"{reply.where} sent a message instead of the export file.",
                detail=f"{reply.request}: {reply.excerpt!r}",
            )
        )

    @classmethod
    def example(cls) -> Self:
        """The Redoc's example export id."""
        return cls(EXAMPLE_EXPORT)


@dataclass(frozen=True)
class FinishExport(_OnExport[None]):
    """GET /v1/export.web?export=ID&action=finish: free the export on the server."""

    action: ClassVar[str] = "finish"
    reads_body: ClassVar[bool] = False

    def read(self, reply: Reply) -> None:
        """Nothing, or ExportLost when the server no longer knows the export."""
        self.check(reply)

    @classmethod
    def example(cls) -> Self:
        """The Redoc's example export id."""
        return cls(EXAMPLE_EXPORT)


ENDPOINTS: tuple[type[Endpoint[Any]], ...] = (
    Login,
    Logout,
    GetConfig,
    CreateSearch,
    GetFormats,
    CreateExport,
    GetExportStatus,
    DownloadExport,
    FinishExport,
)
