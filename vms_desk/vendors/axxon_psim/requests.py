"""One small request object per Axxon PSIM endpoint: method, path, query and body in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from vms_desk.core.times import to_psim

# The token lifetime asked for: long enough for a slow export, renewed on 401 anyway.
TOKEN_SECONDS = 1800
# `version` should come from the "Product version" request, whose path is unconfirmed; a choice.
CONFIG_VERSION = "1.0"


@dataclass(frozen=True)
class GetToken:
    """`GET /token?expires_in=`: a bearer token for Basic credentials (0 logs out)."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/token"
    expires_in: int = TOKEN_SECONDS

    def params(self) -> list[tuple[str, str]]:
        """Query parameters."""
        return [("expires_in", str(self.expires_in))]

    def body(self) -> Any:
        """No body."""
        return None


@dataclass(frozen=True)
class GetConfig:
    """`GET /web2/secure/video/config.properties`: the camera list; web2 takes the login in the query."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/web2/secure/video/config.properties"
    login: str
    password: str = field(repr=False)
    version: str = CONFIG_VERSION

    def params(self) -> list[tuple[str, str]]:
        """Query parameters (the vendor's documented form puts the password here)."""
        return [("version", self.version), ("login", self.login), ("password", self.password)]

    def body(self) -> Any:
        """No body."""
        return None


@dataclass(frozen=True)
class CreateArchiveTask:
    """`POST /createarchivetask`: start exporting a camera's archive fragment."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/createarchivetask"
    camera_id: str
    start: datetime
    end: datetime
    format: str

    def params(self) -> list[tuple[str, str]]:
        """No query."""
        return []

    def body(self) -> Any:
        """The JSON body, times in the vendor's UTC form (2022-06-27T15:10:00.00Z)."""
        return {
            "CameraId": self.camera_id,
            "From": to_psim(self.start),
            "To": to_psim(self.end),
            "Format": self.format,
        }


@dataclass(frozen=True)
class GetArchiveTaskStatus:
    """`GET /getarchivetaskstatus?archivetaskid=`: progress, state and the download Url."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/getarchivetaskstatus"
    task_id: str

    def params(self) -> list[tuple[str, str]]:
        """Query parameters."""
        return [("archivetaskid", self.task_id)]

    def body(self) -> Any:
        """No body."""
        return None


class PsimRequest(Protocol):
    """What every request object above provides to the client's one `call` funnel."""

    method: ClassVar[str]
    path: ClassVar[str]

    def params(self) -> list[tuple[str, str]]:
        """Query parameters."""
        ...

    def body(self) -> Any:
        """The JSON body, or None."""
        ...
