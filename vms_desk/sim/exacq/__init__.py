"""exacqVision Web Service simulator: form login, session ids as `s=`, and the v1 JSON endpoints.

Serves `/v1/login.web`, `/v1/logout.web`, `/v1/config.web`, `/v1/search.web` and `/v1/export.web` as
VENDOR-NOTES §4 describes them. The choices where the public record is silent are in `replies`;
`build()` lets tests flip those that change what a client must tolerate, and the fault switch
`exacq_search="redoc"` answers search.web exactly in the Redoc sample's shape (`search_id, frames,
start_time, end_time, frameCounts, audioInfo`, no clip list); by default `videoInfo` clips are added.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from vms_desk.sim.base import SimState, build_app
from vms_desk.sim.exacq.replies import FORMATS
from vms_desk.sim.exacq.server import ExacqServer

__all__ = ["build"]


def build(
    state: SimState,
    *,
    timezone: int | str = -4,
    session_status: int = 401,
    formats: tuple[str, ...] = FORMATS,
) -> Any:
    """The ASGI app.

    `timezone` is what config.web reports: hours east of UTC (the Redoc sample is `-4`) or an IANA
    name. `session_status` is the HTTP status of a reply to a dead session: 401, or 200 as a JSON API
    might answer. `formats` is the list GET export.web gives (empty: a server that lists none).
    """
    server = ExacqServer(state, timezone, session_status, formats)
    routes = [
        Route("/v1/login.web", server.login, methods=["POST"]),
        Route("/v1/logout.web", server.logout, methods=["GET", "POST"]),
        Route("/v1/config.web", server.config, methods=["GET"]),
        Route("/v1/search.web", server.search, methods=["GET"]),
        Route("/v1/export.web", server.export, methods=["GET"]),
    ]
    return build_app(routes, state)
