"""Axxon PSIM simulator: token auth, the web2 camera configuration file, archive tasks and downloads.

Choices where the vendor documentation is silent (VENDOR-NOTES §2, §6):
- Auth on the task endpoints: once the server has issued any token, `/createarchivetask`,
  `/getarchivetaskstatus` and `/download` need a live token (`Authorization: Bearer` or `token=`), else
  401. A server that never issued a token serves them without auth (the vendor's examples show none).
- One token per user: asking again replaces the user's token; the old one stops working.
- Task states: `Processing` while running, `ReadyForDownload` when done, `Failed` with the vendor's
  text in `ErrorMessage` on failure (see tasks.py). Unknown task ids answer 404 with `State: "NotFound"`.
- Creation errors answer HTTP 400 with the task-shaped JSON, `State: "Error"` and the text in
  `ErrorMessage`.
- By default everything is served on one port: `/web2/...` and the export endpoints alike (a client
  finds web2 there after the documented host:8085 is refused). With `web2_separate`, `/web2/...` is
  served only by `web2_app(app)` on a second port, as the documents describe.
- The status echoes `From`/`To` as the document's example does (`time_echo="relabel"`: the UTC clock
  reading with +03:00 attached); `convert` and `utc` are the other readings (tasks.py).

Switches (`build(state, **switches)`, or live with POST /_sim/axxon-psim {"name": value}):
`web2_separate`, `time_echo`, `status_stalls` (a task whose state and Percents never change),
`granted_rights`/`restricted_rights` (cam.N.rights variants, e.g. 9 = view + archive only).
- No delete: tasks and their files stay until the simulator stops (the vendor's page is not public).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from vms_desk.sim.axxon_psim.auth import DEFAULT_TOKEN_SECONDS, MAX_TOKEN_SECONDS, Tokens, basic_credentials
from vms_desk.sim.axxon_psim.config import FULL_RIGHTS, INVALID, LIVE_RIGHTS, config_properties
from vms_desk.sim.axxon_psim.files import MEDIA_TYPES, produce
from vms_desk.sim.axxon_psim.tasks import (
    ECHO_CONVERT,
    ECHO_RELABEL,
    ECHO_UTC,
    FAILURE_TEXT,
    STATE_CREATED,
    TaskRefused,
    parse_task,
    status_body,
)
from vms_desk.sim.base import ADMIN_PREFIX, SimState, build_app, file_response
from vms_desk.sim.exports import DONE, ExportRegistry

__all__ = ["PsimSimConfig", "build", "web2_app"]

PRODUCT_VERSION = "Axxon PSIM 1.0.1.224"  # the version in the vendor's config.properties example


@dataclass
class PsimSimConfig:
    """Simulator switches for the documented alternatives (docs/vendors/axxon-psim.md)."""

    web2_separate: bool = False
    time_echo: str = ECHO_RELABEL
    status_stalls: bool = False
    # cam.N.rights of cameras that may export and of the one that may not (camera-right variants).
    granted_rights: int = FULL_RIGHTS
    restricted_rights: int = LIVE_RIGHTS

    def update(self, changes: dict[str, Any]) -> None:
        """Set switches by name; unknown names or echo modes raise KeyError/ValueError."""
        for key, value in changes.items():
            if key.startswith("_") or not hasattr(self, key):
                raise KeyError(f"unknown switch {key!r}")
            if key == "time_echo" and value not in (ECHO_RELABEL, ECHO_CONVERT, ECHO_UTC):
                raise ValueError(f"time_echo must be {ECHO_RELABEL}, {ECHO_CONVERT} or {ECHO_UTC}")
            setattr(self, key, value)


class _Psim:
    """The simulated server's handlers over its tokens and export registry."""

    def __init__(self, state: SimState, config: PsimSimConfig) -> None:
        self.state = state
        self.config = config
        self.tokens = Tokens()
        self.registry = ExportRegistry(state, produce, FAILURE_TEXT)

    def _begin(self, request: Request) -> Response | None:
        """Apply a pending session expiry; refuse task requests without a live token."""
        if self.state.faults.take_expiry():
            self.tokens.clear()
        if request.url.path == "/token" or request.url.path.startswith("/web2/"):
            return None
        if self.tokens.allows(request):
            return None
        return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})

    async def token(self, request: Request) -> Response:
        """`/token?expires_in=`: a bearer token for Basic credentials."""
        self._begin(request)
        credentials = basic_credentials(request)
        if credentials is None:  # documented: no Basic credentials -> 500
            return PlainTextResponse("Internal Server Error", status_code=500)
        if credentials != (self.state.user, self.state.password):
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Basic"})
        raw = request.query_params.get("expires_in", str(DEFAULT_TOKEN_SECONDS))
        if not raw.isdigit():
            return PlainTextResponse("expires_in must be a number of seconds", status_code=400)
        seconds = min(int(raw), MAX_TOKEN_SECONDS)
        if seconds == 0:  # documented: 0 logs out
            self.tokens.revoke(credentials[0])
            return JSONResponse({"access_token": "", "token_type": "bearer", "expires_in": "0"})
        issued = self.tokens.issue(credentials[0], seconds)
        return JSONResponse({"access_token": issued, "token_type": "bearer", "expires_in": str(seconds)})

    async def config_file(self, request: Request) -> Response:
        """`/web2/secure/video/config.properties?login=&password=`: the camera list, or invalid."""
        self._begin(request)
        query = request.query_params
        if (query.get("login"), query.get("password")) != (self.state.user, self.state.password):
            return PlainTextResponse(INVALID)
        rights = (self.config.granted_rights, self.config.restricted_rights)
        return PlainTextResponse(config_properties(self.state, *rights))

    async def version(self, request: Request) -> Response:
        """`/web2/product/version`: the product name and version as text (as public client code reads it)."""
        self._begin(request)
        return PlainTextResponse(PRODUCT_VERSION)

    async def create(self, request: Request) -> Response:
        """`POST /createarchivetask`: start an export."""
        if (refused := self._begin(request)) is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        echo = {k: body.get(k) for k in ("CameraId", "From", "To")} if isinstance(body, dict) else {}
        try:
            camera, start, end, fmt = parse_task(
                body, self.state, self.config.granted_rights, self.config.restricted_rights
            )
        except TaskRefused as exc:
            return JSONResponse({**echo, "ErrorMessage": str(exc), "State": "Error"}, status_code=400)
        export = self.registry.create(camera, start, end, fmt)
        return JSONResponse(
            {**echo, "ArchiveTaskId": export.id, "ErrorMessage": None, "State": STATE_CREATED}
        )

    async def status(self, request: Request) -> Response:
        """`GET /getarchivetaskstatus?archivetaskid=`: progress, state and the download Url."""
        if (refused := self._begin(request)) is not None:
            return refused
        ident = request.query_params.get("archivetaskid", "")
        export = self.registry.get(ident)
        if export is None:
            text = f"Archive task {ident} not found"
            return JSONResponse({"ArchiveTaskId": ident, "ErrorMessage": text, "State": "NotFound"}, 404)
        return JSONResponse(status_body(export, self.config.time_echo, self.config.status_stalls))

    async def download(self, request: Request) -> Response:
        """`GET /download?file=`: the finished file, with Range."""
        if (refused := self._begin(request)) is not None:
            return refused
        export = self.registry.get(request.query_params.get("file", ""))
        if export is None or export.state != DONE or not export.files:
            return PlainTextResponse("File not found", status_code=404)
        path = export.files[0]
        return file_response(
            request, path, media_type=MEDIA_TYPES[export.fmt], filename=path.name, state=self.state
        )

    async def switches(self, request: Request) -> Response:
        """GET/POST /_sim/axxon-psim: read or flip the switches."""
        if request.method == "POST":
            try:
                self.config.update(json.loads(await request.body() or b"{}"))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(vars(self.config))

    def web2_routes(self, *, main: bool) -> list[Route]:
        """The web2 module's routes; on the main port they answer 404 once web2 is separate."""

        def gated(handler: Any) -> Any:
            async def serve(request: Request) -> Response:
                if main and self.config.web2_separate:
                    return PlainTextResponse("Not Found", status_code=404)
                response: Response = await handler(request)
                return response

            return serve

        return [
            Route("/web2/secure/video/config.properties", gated(self.config_file), methods=["GET"]),
            Route("/web2/product/version", gated(self.version), methods=["GET"]),
        ]


def build(state: SimState, **switches: Any) -> Any:
    """The ASGI app simulating an Axxon PSIM server; keyword switches are PsimSimConfig fields."""
    server = _Psim(state, PsimSimConfig(**switches))
    routes = [
        Route(f"{ADMIN_PREFIX}/axxon-psim", server.switches, methods=["GET", "POST"]),
        Route("/token", server.token, methods=["GET", "POST"]),
        *server.web2_routes(main=True),
        Route("/createarchivetask", server.create, methods=["POST"]),
        Route("/getarchivetaskstatus", server.status, methods=["GET"]),
        Route("/download", server.download, methods=["GET"]),
    ]
    app = build_app(routes, state)
    app.psim = server  # web2_app serves the same simulated server on a second port
    return app


def web2_app(app: Any) -> Any:
    """The web2 module of the server `build` made, to serve on a second port (`web2_separate`)."""
    server: _Psim = app.psim
    return build_app(server.web2_routes(main=False), server.state)
