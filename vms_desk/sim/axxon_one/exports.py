"""Axxon One simulator: export start, status, file download and deletion."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vms_desk.sim.archive import SimCamera
from vms_desk.sim.axxon_one.auth import Tokens
from vms_desk.sim.axxon_one.common import (
    AxxonSimConfig,
    find_camera,
    json_reply,
    parse_time,
    read_json,
    text_reply,
)
from vms_desk.sim.axxon_one.options import FRAME_FORMATS, BadRequest, check_body
from vms_desk.sim.axxon_one.producer import CONTENT_TYPES, produce
from vms_desk.sim.base import SimState, file_response
from vms_desk.sim.exports import DONE, FAILED, RUNNING, ExportRegistry, SimExport

# The failure text is the simulator's own wording; the real server's texts are not public.
FAILURE_TEXT = "Export error: failed to read the archive (simulated fault)"
KEYFRAME_TEXT = "Export error: no key frame arrived within waittimeout"


class Exports:
    """Handlers for /export/...; exports run in an ExportRegistry."""

    def __init__(self, state: SimState, config: AxxonSimConfig, tokens: Tokens) -> None:
        self.state = state
        self.config = config
        self.tokens = tokens
        self.registry = ExportRegistry(state, produce, FAILURE_TEXT)

    def _recorded_span(self, export: SimExport) -> tuple[datetime, datetime] | None:
        """The part of the asked span that was recorded (first to last recorded instant), or None."""
        archive, index = self.state.archive, export.camera.index
        if export.start == export.end:
            return (export.start, export.end) if archive.recorded(index, export.start, export.end) else None
        spans = archive.spans(index, export.start, export.end)
        return (spans[0][0], spans[-1][1]) if spans else None

    async def start(self, request: Request) -> Response:
        """POST /export/archive/{VIDEOSOURCEID}/{BEGINTIME}/{ENDTIME}?waittimeout=..."""
        refused = self.tokens.check(request, basic_403=self.config.basic_export_403)
        if refused is not None:
            return refused
        parsed = await self._parse_start(request)
        if isinstance(parsed, Response):
            return parsed
        camera, begin, end, options, wait_ms = parsed
        if not camera.exportable:
            return text_reply("Forbidden: no export permission for this camera", 403)
        fmt = options.pop("format")
        export = self.registry.create(camera, begin, end, fmt, options)
        span = self._recorded_span(export)
        if span is None:
            export.extra["outcome"] = (6, "")
        elif wait_ms < self.config.keyframe_ms:  # documented: too short a wait exports nothing
            export.extra["outcome"] = (3, KEYFRAME_TEXT)
        else:
            export.extra["span"] = (span[0], min(span[1], datetime.now(UTC)))
        location = f"{self.config.prefix}/export/{export.id}"
        return Response(status_code=202, headers={"Location": location, "Cache-Control": "no-cache"})

    async def _parse_start(
        self, request: Request
    ) -> tuple[SimCamera, datetime, datetime, dict[str, Any], int] | Response:
        """(camera, begin, end, options, waittimeout) of a start request, or the 400/404 to send."""
        head, _, end_text = request.path_params["rest"].rpartition("/")
        source, _, begin_text = head.rpartition("/")
        begin, end = parse_time(begin_text), parse_time(end_text)
        if begin is None or end is None:
            return text_reply("Bad request: BEGINTIME and ENDTIME must be YYYYMMDDTHHMMSS[.ffffff]", 400)
        camera = find_camera(self.state.archive, source)
        if camera is None:
            return text_reply(f"Unknown video source {source}", 404)
        try:
            wait_ms = int(request.query_params.get("waittimeout", "10000"))
            options = check_body(read_json(await request.body()))
        except ValueError as exc:  # BadRequest, a bad waittimeout, or a body that is not JSON at all
            reason = str(exc) if isinstance(exc, BadRequest) else "waittimeout or the JSON body is malformed"
            return json_reply({"error": reason}, 400)
        begin, end = min(begin, end), max(begin, end)  # documented: reversed times are swapped
        frame = options["format"] in FRAME_FORMATS
        if frame != (begin == end):
            reason = (
                "BEGINTIME must equal ENDTIME for a frame export"
                if frame
                else "BEGINTIME equals ENDTIME: a video export needs a span"
            )
            return json_reply({"error": reason}, 400)
        return camera, begin, end, options, wait_ms

    def _touch(self, request: Request) -> tuple[SimExport | None, Response | None]:
        refused = self.tokens.check(request, basic_403=self.config.basic_export_403)
        if refused is not None:
            return None, refused
        export = self.registry.get(request.path_params["id"])
        if export is None:
            return None, text_reply("Export not found", 404)
        return export, None

    async def status(self, request: Request) -> Response:
        """GET /export/{id}/status: state 0-6, progress, error, files, filesFriendly."""
        export, problem = self._touch(request)
        if export is None:
            return problem or text_reply("Export not found", 404)
        files: list[str] = []
        friendly: list[str] = []
        if export.state == RUNNING:
            young = time.monotonic() - export.created < export.duration * 0.1
            state, error = (0 if young else 1), ""
        elif export.state == FAILED:
            state, error = 3, export.error
        elif export.state == DONE and "outcome" in export.extra:
            state, error = export.extra["outcome"]
        elif export.state == DONE:
            state, error = 2, ""
            files = [p.name for p in export.files]
            friendly = list(export.extra.get("friendly", files))
        else:
            return text_reply("Export not found", 404)
        progress = export.progress if export.state == RUNNING else 1.0
        if self.config.status_stalls:  # a server whose export never advances: same state, same progress
            state, error, progress, files, friendly = self.config.stall_state, "", 0.25, [], []
        body = {
            "id": export.id,
            "state": state,
            "progress": progress,
            "error": None if self.config.error_null and not error else error,
            "files": files,
            "filesFriendly": friendly,
        }
        return json_reply(body)

    async def file(self, request: Request) -> Response:
        """GET /export/{id}/file?name=...: one file of a finished export (Range-aware)."""
        export, problem = self._touch(request)
        if export is None:
            return problem or text_reply("Export not found", 404)
        name = request.query_params.get("name")
        if not name:
            return text_reply("Bad request: the name parameter is required", 400)
        path = next((p for p in export.files if p.name == name), None) if export.state == DONE else None
        if path is None or not path.exists():
            return text_reply("File not found", 404)
        return file_response(
            request, path, media_type=CONTENT_TYPES[export.fmt], filename=name, state=self.state
        )

    async def delete(self, request: Request) -> Response:
        """DELETE /export/{id}: stop it if running and remove its files (204)."""
        refused = self.tokens.check(request, basic_403=self.config.basic_export_403)
        if refused is not None:
            return refused
        if not self.registry.delete(request.path_params["id"]):
            return text_reply("Export not found", 404)
        return Response(status_code=204)

    def routes(self) -> list[BaseRoute]:
        """The routes under the prefix; status is also served without it (the docs omit it there)."""
        p = self.config.prefix
        routes: list[BaseRoute] = [
            Route(f"{p}/export/archive/{{rest:path}}", self.start, methods=["POST"]),
            Route(f"{p}/export/{{id}}/status", self.status, methods=["GET"]),
            Route(f"{p}/export/{{id}}/file", self.file, methods=["GET"]),
            Route(f"{p}/export/{{id}}", self.delete, methods=["DELETE"]),
        ]
        if p:
            routes.append(Route("/export/{id}/status", self.status, methods=["GET"]))
        return routes
