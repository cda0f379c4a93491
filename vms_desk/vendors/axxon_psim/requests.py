"""One request object per Axxon PSIM endpoint (`vendors.request.Request`), each with its own `decode`.

Two servers are spoken to (docs/vendors/axxon-psim.md, point 2): the archive-export endpoints on the
configured server URL, and the Web-server 2.0 module (`web2`, default port 8085, context `/web2`) for
the product version and the camera list. Paths of web2 requests are relative to the web2 root, i.e.
the URL that ends in `/web2`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self

from vms_desk.core.errors import AuthFailed, ExportLost, ProtocolError, ServerError, VendorError
from vms_desk.core.models import Camera
from vms_desk.core.times import from_iso, to_psim
from vms_desk.vendors.axxon_psim.wire import (
    VENDOR,
    TaskReply,
    cameras_from_properties,
    credentials_refused,
    decode_task,
    decode_token,
    parse_properties,
)
from vms_desk.vendors.request import Params, Reply, Request, said, server_words, with_words

# The token lifetime asked for: long enough for a slow export, renewed on 401 anyway.
TOKEN_SECONDS = 1800
# Sent as `version=` only when the product version request gives nothing readable (a choice).
FALLBACK_VERSION = "1.0"
EXAMPLE_TASK = "084b56a5-bd49-4327-82db-9bc911f7ff96"  # the id in the vendor's create example
_VERSION = re.compile(r"\d+(?:\.\d+)+")


class PsimRequest[R](Request[R]):
    """An Axxon PSIM endpoint call."""


@dataclass(frozen=True)
class GetToken(PsimRequest[str | None]):
    """`GET /token?expires_in=`: a bearer token for Basic credentials (0 logs out); None: no token auth."""

    authenticated: ClassVar[bool] = False  # the login itself
    accepts: ClassVar[frozenset[int]] = frozenset({404})
    user: str = ""
    password: str = field(default="", repr=False)
    expires_in: int = TOKEN_SECONDS

    @property
    def path(self) -> str:
        """The token endpoint."""
        return "token"

    def params(self) -> Params:
        """Query parameters."""
        return [("expires_in", str(self.expires_in))]

    def headers(self) -> dict[str, str]:
        """Basic credentials, as documented (`http://login:password@IP:port/token`)."""
        pair = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {pair}"}

    def refusal(self, reply: Reply) -> ServerError | None:
        """401/403: the user name or password is wrong."""
        if reply.status in (401, 403):
            return AuthFailed(
                with_words(f"The {VENDOR} server refused the user name or password. Check them.", reply),
                detail="GET /token refused",
            )
        return None

    def decode(self, reply: Reply) -> str | None:
        """The token; None when the server has no `/token` (404: used without auth, a choice)."""
        if reply.status == 404:
            return None
        if self.expires_in == 0:
            return ""  # a logout: nothing to read
        return decode_token(reply.content)

    @classmethod
    def example(cls) -> Self:
        """The documented request."""
        return cls("USER", "PASS")


@dataclass(frozen=True)
class GetProductVersion(PsimRequest[str]):
    """`GET {web2}/product/version`: the version that config.properties wants as `version=`."""

    authenticated: ClassVar[bool] = False  # web2 takes its credentials in the query

    @property
    def path(self) -> str:
        """Relative to the web2 root."""
        return "product/version"

    def decode(self, reply: Reply) -> str:
        """The dotted version in the body (seen as text such as "Intellect 4.11.3.5184")."""
        match = _VERSION.search(reply.text)
        if match is None:
            raise ProtocolError(
                f"The {VENDOR} web2 module sent a product version vms_desk cannot read."
                + said(server_words(reply), f"HTTP {reply.status}"),
                detail=repr(reply.content[:200]),
            )
        return match.group(0)

    @classmethod
    def example(cls) -> Self:
        """The only form."""
        return cls()


@dataclass(frozen=True)
class GetConfig(PsimRequest[list[Camera]]):
    """`GET {web2}/secure/video/config.properties`: the camera list; web2 takes the login in the query."""

    authenticated: ClassVar[bool] = False
    login: str
    password: str = field(repr=False)
    version: str = FALLBACK_VERSION

    @property
    def path(self) -> str:
        """Relative to the web2 root."""
        return "secure/video/config.properties"

    def params(self) -> Params:
        """Query parameters (the vendor's documented form puts the password here)."""
        return [("version", self.version), ("login", self.login), ("password", self.password)]

    def decode(self, reply: Reply) -> list[Camera]:
        """The cameras; `password.invalid=true` is a refused login."""
        props = parse_properties(reply.content)
        if credentials_refused(props):
            raise AuthFailed(
                f"The {VENDOR} server refused the user name or password for the camera list. Check them."
                + said("password.invalid=true", "config.properties"),
                detail="config.properties: password.invalid=true",
            )
        return cameras_from_properties(props)

    @classmethod
    def example(cls) -> Self:
        """The vendor's example request."""
        return cls("USER", "PASS", "1.0.1.224")


def _task_refusal(reply: Reply, what: str) -> ServerError | None:
    """A task-shaped error body (`ErrorMessage`, `State`) becomes a VendorError with those words."""
    try:
        task = decode_task(reply.content, what)
    except ServerError:
        return None
    if not task.error:
        return None
    code = task.state or f"HTTP {reply.status}"
    return VendorError(
        f"The {VENDOR} server refused the export. Check the camera, the time span and the user's archive "
        f"rights, then try again.{said(task.error, code)}",
        code=code,
        vendor_text=task.error,
        detail=f"{reply.method} {reply.path} -> {reply.status}",
    )


@dataclass(frozen=True)
class CreateArchiveTask(PsimRequest[TaskReply]):
    """`POST /createarchivetask`: start exporting a camera's archive fragment."""

    method: ClassVar[str] = "POST"
    camera_id: str
    start: datetime
    end: datetime
    format: str

    @property
    def path(self) -> str:
        """The endpoint."""
        return "createarchivetask"

    def json_body(self) -> Any:
        """The JSON body, times in the vendor's UTC form (2022-06-27T15:10:00.00Z)."""
        return {
            "CameraId": self.camera_id,
            "From": to_psim(self.start),
            "To": to_psim(self.end),
            "Format": self.format,
        }

    def refusal(self, reply: Reply) -> ServerError | None:
        """4xx with a task body: the server's own reason (5xx stays "busy")."""
        return _task_refusal(reply, "create task") if reply.status < 500 else None

    def decode(self, reply: Reply) -> TaskReply:
        """The created task."""
        return decode_task(reply.content, "create task")

    @classmethod
    def example(cls) -> Self:
        """The vendor's request example."""
        return cls("1", from_iso("2022-06-27T15:10:00Z"), from_iso("2022-06-27T15:20:00Z"), "mp4")


@dataclass(frozen=True)
class GetArchiveTaskStatus(PsimRequest[TaskReply]):
    """`GET /getarchivetaskstatus?archivetaskid=`: progress, state and the download Url."""

    task_id: str

    @property
    def path(self) -> str:
        """The endpoint."""
        return "getarchivetaskstatus"

    def params(self) -> Params:
        """Query parameters."""
        return [("archivetaskid", self.task_id)]

    def refusal(self, reply: Reply) -> ServerError | None:
        """404: the server no longer knows the task; other 4xx with a task body: its words."""
        if reply.status == 404:
            return ExportLost(
                with_words(
                    f"The {VENDOR} server no longer knows the export {self.task_id} (the server may have "
                    "restarted). Start the export again.",
                    reply,
                ),
                detail=reply.text[:200],
            )
        return _task_refusal(reply, "task status") if reply.status < 500 else None

    def decode(self, reply: Reply) -> TaskReply:
        """The task's status."""
        return decode_task(reply.content, "task status")

    @classmethod
    def example(cls) -> Self:
        """The vendor's example task."""
        return cls(EXAMPLE_TASK)


@dataclass(frozen=True)
class DownloadFile(PsimRequest[bytes]):
    """`GET /download?file=`: the file named by the status `Url` (streamed by the client)."""

    reads_body: ClassVar[bool] = False
    where: str  # path of `Url` (its host is never trusted)
    query: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> str:
        """The path taken from `Url`."""
        return self.where

    def params(self) -> Params:
        """The query taken from `Url`."""
        return list(self.query)

    def decode(self, reply: Reply) -> bytes:
        """The bytes (small files only; the client streams)."""
        return reply.content

    @classmethod
    def example(cls) -> Self:
        """The documented form of the link."""
        return cls("/download", (("file", EXAMPLE_TASK),))
