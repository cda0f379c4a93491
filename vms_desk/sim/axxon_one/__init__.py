"""The Axxon One Web-Server simulator (HTTP API: auth, cameras, archive intervals, export).

`build(state)` serves the documented API with the default prefix (empty) and Basic accepted everywhere;
`build(state, prefix="/asip-api", basic_legacy_401=True)` reproduces a server that needs Bearer on the
legacy paths. The switches can also be flipped at run time with POST /_sim/axxon-one {"name": value}.

The documented alternatives of issue 9 (docs/vendors/axxon-one.md), all off by default:
`error_null` (status "error": null), `granted_access`/`restricted_access` (camera-right variants, e.g.
CAMERA_ACCESS_MONITORING_ARCHIVE_MANAGE), `status_stalls`/`stall_state` (a status that never
advances), `basic_export_403` (403 to Basic where Bearer works) and `version_404`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vms_desk.sim.axxon_one.auth import Tokens
from vms_desk.sim.axxon_one.common import AxxonSimConfig
from vms_desk.sim.axxon_one.exports import Exports
from vms_desk.sim.axxon_one.listing import Listing
from vms_desk.sim.base import ADMIN_PREFIX, SimState, build_app

__all__ = ["AxxonSimConfig", "build"]


def _admin(config: AxxonSimConfig) -> BaseRoute:
    async def switches(request: Request) -> Response:
        if request.method == "POST":
            try:
                config.update(json.loads(await request.body() or b"{}"))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({k: v for k, v in vars(config).items() if not k.startswith("_")})

    return Route(f"{ADMIN_PREFIX}/axxon-one", switches, methods=["GET", "POST"])


def build(state: SimState, **switches: Any) -> Any:
    """The ASGI app simulating an Axxon One Web-Server; keyword switches are AxxonSimConfig fields."""
    config = AxxonSimConfig(**switches)
    tokens = Tokens(state, config)
    listing = Listing(state, config, tokens)
    exports = Exports(state, config, tokens)
    routes: list[BaseRoute] = [
        _admin(config),
        Route(f"{config.prefix}/grpc", tokens.grpc, methods=["POST"]),
        *listing.routes(),
        *exports.routes(),
    ]
    return build_app(routes, state)
