"""exacqVision wire models: every reply of the Web Service is decoded here, and nowhere else.

The vendor names (`sessionId`, `Cameras`, `videoInfo`, `startTime`, ...) stop at this module. Shapes
the public record leaves open (VENDOR-NOTES §6.10) are read leniently; each such place says "choice".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Annotated, Any, TypeVar

import httpx
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from vms_desk.core.errors import ProtocolError
from vms_desk.core.models import Camera, Recordings, TimeSpan
from vms_desk.core.times import from_iso, server_zone
from vms_desk.vendors.request import Reply as HttpReply

VENDOR = "exacqVision"
EXCERPT = 300


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


# Choice: the keys a refusal's text may come under (the Redoc shows none; the sim uses `error`).
_TEXT_KEYS = ("error", "reason", "message", "msg", "errorMessage", "status_text")
# Choice: camera `state` values read as offline (the field is only named by a third-party note).
_OFFLINE_STATES = frozenset(
    {"disconnected", "offline", "error", "videoloss", "video loss", "nosignal", "no signal", "0", "false"}
)
# Choice: export `status` values read as failed; `completed` is the Redoc's word for ready.
_FAILED_STATES = frozenset({"failed", "failure", "error", "cancelled", "canceled", "aborted"})
# A merged recording may have a hole this small: clip times come in whole seconds.
_JOIN_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Reply:
    """One HTTP reply as the client saw it: status, the JSON object (if it was one), a text excerpt."""

    status: int
    body: dict[str, Any] | None
    excerpt: str
    where: str  # "exacqVision at http://host:port", for messages
    request: str  # "GET /v1/config.web", for the log

    @classmethod
    def of(cls, reply: HttpReply) -> Reply:
        """The JSON view of an HTTP reply (the body is read as an object when it is one)."""
        body: dict[str, Any] | None = None
        if reply.content.lstrip()[:1] == b"{" or "json" in reply.headers.get("content-type", ""):
            try:
                parsed = json.loads(reply.content)
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else None
        excerpt = reply.content[:EXCERPT].decode("utf-8", "replace")
        where = f"{VENDOR} at {_origin(reply.url)}" if reply.url else VENDOR
        return cls(reply.status, body, excerpt, where, f"{reply.method} {reply.path}")

    @property
    def refused(self) -> bool:
        """True when the body says `success: false` (any status)."""
        return self.body is not None and self.body.get("success") in (False, "false", 0)

    @property
    def session_refused(self) -> bool:
        """True when the reply means the session is gone: HTTP 401, or a 2xx with success false."""
        return self.status == 401 or (200 <= self.status < 300 and self.refused)

    @property
    def text(self) -> str:
        """The server's own words for a refusal, or ''."""
        return refusal_text(self.body or {})


def refusal_text(body: Mapping[str, Any]) -> str:
    """The first non-empty text under one of the usual error keys."""
    for key in _TEXT_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:300]
    return ""


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


M = TypeVar("M", bound=_Wire)


def decode[M: _Wire](model: type[M], reply: Reply) -> M:
    """`model` read from the reply's JSON object, or ProtocolError with a sentence for the user."""
    if reply.body is None:
        raise ProtocolError(
            f"{reply.where} did not answer with exacqVision JSON. Check that the address points at the "
            "exacqVision Web Service (the web client server, not the recorder on port 22609).",
            detail=f"{reply.request} -> {reply.status}: {reply.excerpt!r}",
        )
    try:
        return model.model_validate(reply.body)
    except ValidationError as exc:
        raise ProtocolError(
            f"{reply.where} sent a reply vms_desk cannot read ({model.__name__}).",
            detail=f"{reply.request}: {exc.errors(include_url=False, include_input=False)}",
        ) from exc


def _as_text(value: Any) -> Any:
    # Ids and states arrive as numbers or strings depending on the build: keep them as text.
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int | float) else value


Text = Annotated[str, BeforeValidator(_as_text)]


class LoginReply(_Wire):
    """POST /v1/login.web (responseVersion=2)."""

    success: bool = False
    # The Redoc sample spells it `sessionID`, public client code reads `sessionId`: accept both.
    session_id: Text = Field("", validation_alias=AliasChoices("sessionId", "sessionID", "session_id"))
    name: Text = ""
    version: Text = ""


class CameraWire(_Wire):
    """One item of config.web's `Cameras[]`."""

    id: Text
    name: Text = ""
    state: Text = ""
    disabled: bool = False

    def to_camera(self) -> Camera:
        """The core Camera; the id is the string `--camera` takes."""
        online = not self.disabled and self.state.strip().lower() not in _OFFLINE_STATES
        detail = {"state": self.state} if self.state else {}
        return Camera(id=self.id, name=self.name or f"Camera {self.id}", online=online, detail=detail)


def zone_of(value: int | float | str | None) -> tzinfo:
    """The server's zone from config.web's `timezone`.

    Choice: the Redoc sample is `-4` (read as hours east of UTC, with no daylight saving); a value
    beyond ±14 is read as minutes; a name is an IANA zone; anything else means UTC.
    """
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return server_zone(value.strip() or None)
    if number is None:
        return UTC
    minutes = number * 60 if abs(number) <= 14 else number
    if not math.isfinite(minutes) or abs(minutes) > 14 * 60:
        return UTC
    return UTC if minutes == 0 else timezone(timedelta(minutes=round(minutes)))


class ConfigReply(_Wire):
    """GET /v1/config.web?output=json: the server name, its timezone and the cameras."""

    name: str = ""
    timezone: int | float | str | None = None
    cameras: tuple[CameraWire, ...] = Field((), validation_alias=AliasChoices("Cameras", "cameras"))

    @property
    def zone(self) -> tzinfo:
        """The server's zone (see `zone_of`)."""
        return zone_of(self.timezone)


class Clip(_Wire):
    """One recorded clip of a search, times as YYYY-MM-DDTHH:MM:SSZ."""

    start: str = Field(validation_alias=AliasChoices("startTime", "start_time", "start"))
    end: str = Field(validation_alias=AliasChoices("endTime", "end_time", "end"))


class VideoInfo(_Wire):
    """One camera's part of a search reply (public client code's shape; not in the Redoc sample)."""

    clips: tuple[Clip, ...] = ()


def _counts(value: Any) -> tuple[int, ...] | None:
    """The frame counts in `frameCounts` (an object per camera, or a list), or None when unreadable.

    Choice: the Redoc sample hides the object's contents; numbers are read wherever they sit.
    """
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else None
    if items is None:
        return None
    found: list[int] = []
    for item in items:
        number = item
        if isinstance(item, dict):
            number = next((item[k] for k in ("count", "frames", "frameCount") if k in item), None)
        if isinstance(number, int | float) and not isinstance(number, bool):
            found.append(int(number))
    return tuple(found) if found else None


class SearchReply(_Wire):
    """GET /v1/search.web (Create a Search).

    The Redoc's sample reply is `search_id, frames, start_time, end_time, frameCounts, audioInfo`: it
    has no per-clip list. Public client code (EXM) reads `videoInfo[].clips[]` and takes a missing
    `search_id` for "nothing found". Both are read (docs/vendors/exacq.md, point 8):
    - clips present: those spans, known;
    - no `search_id` (EXM), or `frames` 0, or every frame count 0: known, nothing recorded;
    - frames found but no clip list: unknown (the reply says that something is recorded, not where).
    """

    search_id: Text | None = Field(None, validation_alias=AliasChoices("search_id", "searchId", "sessionId"))
    video_info: tuple[VideoInfo, ...] | None = Field(
        None, validation_alias=AliasChoices("videoInfo", "video_info")
    )
    frames: int | None = None
    start_time: str = ""
    end_time: str = ""
    frame_counts: Any = Field(None, validation_alias=AliasChoices("frameCounts", "frame_counts"))

    @field_validator("frames", mode="before")
    @classmethod
    def _frames(cls, value: Any) -> Any:
        try:
            return None if value is None or value == "" or isinstance(value, bool) else int(value)
        except (TypeError, ValueError):
            return None

    def recordings(self, within: TimeSpan) -> Recordings:
        """What the reply says is recorded in `within`: spans, nothing, or unknown (see the class)."""
        if self.video_info is not None and any(info.clips for info in self.video_info):
            return Recordings(known=True, spans=self.spans(within))
        counts = _counts(self.frame_counts)
        if self.frames == 0 or (counts is not None and not any(counts)):
            return Recordings(known=True)
        if self.frames is None and counts is None and (not self.search_id or self.video_info is not None):
            return Recordings(known=True)  # EXM's shape: no id, or an empty clip list, means nothing found
        return Recordings(known=False)

    def spans(self, within: TimeSpan) -> tuple[TimeSpan, ...]:
        """The clips clipped to `within`, adjacent and overlapping clips merged, in time order."""
        found: list[TimeSpan] = []
        for info in self.video_info or ():
            for clip in info.clips:
                start, end = from_iso(clip.start, VENDOR), from_iso(clip.end, VENDOR)
                if end < start:
                    continue
                part = within.clip(TimeSpan(start=start, end=end))
                if part is not None:
                    found.append(part)
        return merge(found)


def merge(spans: list[TimeSpan]) -> tuple[TimeSpan, ...]:
    """Spans sorted, with those that touch (within a second) or overlap joined."""
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end + _JOIN_TOLERANCE:
            last = merged[-1]
            merged[-1] = TimeSpan(start=last.start, end=max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


class FormatsReply(_Wire):
    """GET /v1/export.web with no parameters: the server's export formats.

    Choice: items may be names or objects naming the format under one of a few keys.
    """

    formats: tuple[str, ...] = ()

    @field_validator("formats", mode="before")
    @classmethod
    def _names(cls, value: Any) -> tuple[str, ...]:
        items = value if isinstance(value, list | tuple) else []
        names: list[str] = []
        for item in items:
            name = item
            if isinstance(item, dict):
                name = next((item[k] for k in ("name", "format", "id", "value") if k in item), None)
            if isinstance(name, str | int) and not isinstance(name, bool) and str(name).strip():
                names.append(str(name).strip())
        return tuple(dict.fromkeys(names))


class ExportCreated(_Wire):
    """GET /v1/export.web?camera=&s=&start=&end=&format=: the new export's id."""

    export_id: Text = Field(validation_alias=AliasChoices("export_id", "exportId", "export", "id"))


class ExportStatusWire(_Wire):
    """GET /v1/export.web?export=ID: `progress` (100 = ready), plus what a failure may carry.

    Choice: `status`, `error` and `size` are not in the public record; they are read when present.
    """

    progress: float = 0.0
    status: Text = Field("", validation_alias=AliasChoices("status", "state"))
    error: Text = Field("", validation_alias=AliasChoices("error", "errorMessage", "error_message"))
    code: Text = Field("", validation_alias=AliasChoices("code", "errorCode", "error_code"))
    size: int | None = None
    refused: bool = False  # a 2xx reply with success false: the export failed (issue 9 point 7)

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: Any) -> Any:
        return 0.0 if value is None or value == "" else value

    @property
    def failed(self) -> bool:
        """True when the server reports the export failed."""
        return (
            self.refused
            or self.status.strip().lower() in _FAILED_STATES
            or bool(self.error.strip())
            or self.progress < 0
        )

    @property
    def done(self) -> bool:
        """True when the export can be downloaded (progress 100 or status completed)."""
        return not self.failed and (self.progress >= 100 or self.status.strip().lower() == "completed")
