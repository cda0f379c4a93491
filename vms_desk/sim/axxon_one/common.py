"""Shared pieces of the Axxon One simulator: its settings, camera ids, times and small replies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_axxon
from vms_desk.sim.archive import Archive, SimCamera

SERVER = "Server1"
_SOURCE = re.compile(rf"^{SERVER}/DeviceIpint\.(\d+)/SourceEndpoint\.video:0:0$")


@dataclass
class AxxonSimConfig:
    """Simulator switches; `build(state, **fields)` sets them, POST /_sim/axxon-one changes them live.

    `basic_legacy_401` reproduces the demo stand seen by public client code (VENDOR-NOTES 1.2): Basic
    auth answers 401 on the legacy paths (/archive/..., /product/version), so a client must fall back
    to a Bearer token from /grpc. `basic_camera_list_401` extends that to /camera/list.
    """

    prefix: str = ""
    basic_legacy_401: bool = False
    basic_camera_list_401: bool = False
    # Issue 9 alternatives (docs/vendors/axxon-one.md); all off by default:
    basic_export_403: bool = False  # 403 to Basic on /export/... paths that serve a Bearer token (point 6)
    error_null: bool = False  # the status says "error": null when there is no error (point 5)
    version_404: bool = False  # /product/version is not served (point 14)
    status_stalls: bool = False  # every status holds `stall_state` with a progress that never changes
    stall_state: int = 1
    # camera_access of cameras that may export and of those that may not (point 4 variants).
    granted_access: str = "CAMERA_ACCESS_FULL"
    restricted_access: str = "CAMERA_ACCESS_MONITORING"
    token_seconds: float = 4 * 3600  # the documented example token lives 4 h (exp - iat = 14400)
    keyframe_ms: int = 2000  # the simulated clips have a key frame every 2 s

    def __post_init__(self) -> None:
        self.prefix = normalise_prefix(self.prefix)

    def update(self, changes: dict[str, Any]) -> None:
        """Set switches by name; unknown names raise KeyError."""
        for key, value in changes.items():
            if key.startswith("_") or not hasattr(self, key) or key == "prefix":
                raise KeyError(f"unknown or fixed switch {key!r}")
            setattr(self, key, value)


def normalise_prefix(prefix: str) -> str:
    """'' or '/name' (no trailing slash): the Web-Server's URL prefix."""
    text = prefix.strip().strip("/")
    return f"/{text}" if text else ""


def source_id(camera: SimCamera) -> str:
    """The VIDEOSOURCEID of a simulated camera (no `hosts/` prefix)."""
    return f"{SERVER}/DeviceIpint.{camera.index}/SourceEndpoint.video:0:0"


def find_camera(archive: Archive, source: str) -> SimCamera | None:
    """The camera a VIDEOSOURCEID names; strict, so a client that forgets to strip `hosts/` fails."""
    match = _SOURCE.match(source)
    return archive.camera(int(match.group(1))) if match else None


def parse_time(text: str) -> datetime | None:
    """YYYYMMDDTHHMMSS[.ffffff] (UTC), or None when malformed."""
    try:
        return from_axxon(text)
    except ProtocolError:
        return None


def wire_time(value: datetime) -> str:
    """Interval time as the live server sends it: 20200512T105111.089000."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def name_time(value: datetime) -> str:
    """Whole-second time used in export file names."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given status."""
    return JSONResponse(data, status_code=status, headers=headers)


def text_reply(text: str, status: int) -> Response:
    """A plain-text error, as the Web-Server sends for malformed URLs."""
    return Response(text, status_code=status, media_type="text/plain")


def read_json(body: bytes) -> Any:
    """The decoded JSON body, or raises ValueError."""
    return json.loads(body.decode("utf-8")) if body.strip() else None
