"""The simulated exacqVision Web Service's endpoints: sessions, searches, and exports owned by sessions."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_iso
from vms_desk.sim.archive import SimCamera
from vms_desk.sim.base import SimState, file_response
from vms_desk.sim.exacq.replies import (
    CAMERA_ID_BASE,
    DEFAULT_FORMAT,
    FAILURE_TEXT,
    FORMATS,
    LOST_TEXT,
    MEDIA_TYPES,
    SERVER_IDS,
    SERVER_NAME,
    SESSION_TEXT,
    clips,
    clock,
    export_file_name,
    export_status,
    login_accepted,
    login_refused,
    refuse,
)
from vms_desk.sim.exports import DONE, ExportRegistry, SimExport
from vms_desk.sim.media import render_video

FRAME_RATE = 25  # the frames a search reports per recorded second


async def _form(request: Request) -> dict[str, str]:
    # Parsed by hand: starlette's form parser needs python-multipart, which the product does not ship.
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class ExacqServer:
    """One simulated web service: its sessions, its searches and the exports each session owns."""

    state: SimState
    timezone: int | str
    session_status: int
    formats: tuple[str, ...]  # what GET export.web lists (creation accepts FORMATS regardless)
    sessions: set[str] = field(default_factory=set)
    searches: dict[str, str] = field(default_factory=dict)  # search id -> owning session
    registry: ExportRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = ExportRegistry(self.state, self._produce, FAILURE_TEXT)

    # --- sessions ------------------------------------------------------------------------------------
    def _expire(self) -> None:
        """Apply the expire_sessions fault: every session ends, and its exports and searches with it."""
        if self.state.faults.take_expiry():
            for session in list(self.sessions):
                self._end(session)

    def _end(self, session: str) -> None:
        self.sessions.discard(session)
        self.registry.drop_session(session)
        for search in [k for k, v in self.searches.items() if v == session]:
            del self.searches[search]

    def _check(self, request: Request, *, required: bool = True) -> str | Response:
        session = request.query_params.get("s", "")
        if not session and not required:
            return ""
        if session not in self.sessions:
            return refuse(self.session_status, SESSION_TEXT)
        return session

    def _camera(self, text: str | None) -> SimCamera | Response:
        try:
            camera = self.state.archive.camera(int(text or "") - CAMERA_ID_BASE)
        except ValueError:
            camera = None
        return camera if camera is not None else refuse(400, f"Invalid camera {text!r}")

    @staticmethod
    def _span(request: Request) -> tuple[datetime, datetime] | Response:
        # RFC 3339 needs an offset: a naive time (or a `+` that arrived unescaped as a space) is refused.
        try:
            start = from_iso(request.query_params.get("start", ""), "exacq", naive_is_utc=False)
            end = from_iso(request.query_params.get("end", ""), "exacq", naive_is_utc=False)
        except ProtocolError:
            return refuse(400, "start and end must be RFC 3339 times with an offset")
        return (start, end) if end > start else refuse(400, "end must be after start")

    # --- endpoints -----------------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        """POST form u, p, s, responseVersion=2 -> a session id."""
        self._expire()
        form = await _form(request)
        if form.get("responseVersion") != "2":
            return refuse(400, "responseVersion 2 is required")
        if form.get("s", "") not in SERVER_IDS:
            return login_refused(f"Unknown server {form.get('s', '')!r}")
        if form.get("u") != self.state.user or form.get("p") != self.state.password:
            return login_refused("Invalid username or password")
        session = str(uuid.uuid4())
        self.sessions.add(session)
        return login_accepted(session)

    async def logout(self, request: Request) -> Response:
        """POST ?s= (a session or a search id); answers 302 to the login page as the Redoc says."""
        self._expire()
        ident = request.query_params.get("s") or (await _form(request)).get("s", "")
        if ident in self.sessions:
            self._end(ident)
        self.searches.pop(ident, None)
        return RedirectResponse("/login.web", status_code=302)

    async def config(self, request: Request) -> Response:
        """GET ?s=&output=json -> server name, timezone and Cameras[]."""
        self._expire()
        if isinstance(checked := self._check(request), Response):
            return checked
        cameras = [
            {"id": CAMERA_ID_BASE + c.index, "name": c.name, "state": "connected", "disabled": False}
            for c in self.state.archive.cameras
        ]
        return JSONResponse(
            {"success": True, "name": SERVER_NAME, "timezone": self.timezone, "Cameras": cameras}
        )

    async def search(self, request: Request) -> Response:
        """GET ?s=&start=&end=&camera=&output=json -> search_id and videoInfo[0].clips."""
        self._expire()
        if isinstance(session := self._check(request), Response):
            return session
        if isinstance(camera := self._camera(request.query_params.get("camera")), Response):
            return camera
        if isinstance(span := self._span(request), Response):
            return span
        recorded = self.state.archive.spans(camera.index, *span)
        found = clips(recorded)
        info = [{"camera": CAMERA_ID_BASE + camera.index, "clips": found}]
        redoc = self.state.faults.exacq_search == "redoc"
        if not found and not redoc:  # public client code: `search_id` is absent when nothing was found
            return JSONResponse({"success": True, "videoInfo": info})
        search_id = f"0x{secrets.randbits(32):08x}"
        self.searches[search_id] = session
        frames = round(sum((hi - lo).total_seconds() for lo, hi in recorded) * FRAME_RATE)
        # The Redoc sample's fields; `videoInfo` (public client code's clip list) unless switched off.
        reply: dict[str, object] = {
            "search_id": search_id, "frames": frames,
            "start_time": clock(span[0]), "end_time": clock(span[1]),
            "frameCounts": {str(CAMERA_ID_BASE + camera.index): frames}, "audioInfo": [],
        }  # fmt: skip
        return JSONResponse(reply if redoc else {"success": True, **reply, "videoInfo": info})

    async def export(self, request: Request) -> Response:
        """GET: no params -> formats; export=ID[&action=] -> status/download/finish; else create."""
        self._expire()
        params = request.query_params
        if not params:
            return JSONResponse({"success": True, "formats": list(self.formats)})
        if "export" not in params:
            return self._create(request)
        # Public clients send no `s` on these calls; when one is sent it must still be alive.
        if isinstance(checked := self._check(request, required=False), Response):
            return checked
        export = self.registry.get(params["export"])
        if export is None:
            return refuse(404, LOST_TEXT)
        return self._on_export(request, export, params.get("action", ""))

    def _on_export(self, request: Request, export: SimExport, action: str) -> Response:
        if action == "finish":
            self.registry.delete(export.id)
            return JSONResponse({"success": True})
        if action == "download":
            if export.state != DONE:
                return refuse(409, "Export is not completed")
            media_type = MEDIA_TYPES.get(export.fmt, "application/octet-stream")
            return file_response(
                request, export.files[0], media_type=media_type, filename=export.options["filename"],
                state=self.state,
            )  # fmt: skip
        if action:
            return refuse(400, f"Unknown action {action!r}")
        return JSONResponse(export_status(export))

    def _create(self, request: Request) -> Response:
        if isinstance(session := self._check(request), Response):
            return session
        if isinstance(camera := self._camera(request.query_params.get("camera")), Response):
            return camera
        if isinstance(span := self._span(request), Response):
            return span
        fmt = request.query_params.get("format") or DEFAULT_FORMAT
        if fmt not in FORMATS and fmt not in self.formats:
            return refuse(400, f"Invalid format {fmt!r}")
        if not camera.exportable:
            return refuse(403, "Permission denied: this user may not export video from the camera")
        name = request.query_params.get("name", "")
        options = {"name": name, "filename": export_file_name(name, fmt)}
        export = self.registry.create(camera, *span, fmt, options, session=session)
        return JSONResponse({"success": True, "export_id": export.id})

    def _produce(self, export: SimExport) -> list[Path]:
        if not self.state.archive.recorded(export.camera.index, export.start, export.end):
            raise ValueError("no video is recorded for the requested time")
        path = export.folder / export.options["filename"]
        # exe (self-playing) and ps_zip (player bundle) are not modelled: the sim serves mp4 bytes
        # under those names, so the transfer path is exercised even though the content is plain video.
        container = "avi" if export.fmt == "avi" else "mp4"
        render_video(
            path, camera_name=export.camera.name, start=export.start, end=export.end, container=container
        )
        return [path]
