"""VDG Sense simulator: `/info`, `/webservice` (AuthenticateUserDigest) and `/command?command=NAME`.

Login: the documented AuthenticateUserDigest message POSTed to `/webservice` opens a session (cookie)
that `/command` accepts without credentials; HTTP Basic on `/command` works too, unless the fault switch
`vdg_login` says "digest-only" (Basic refused) or "basic-only" (no `/webservice`, HTTP 404).

Commands (case-insensitive, as are XML tags): getDeviceList, exportVideo (POST creates, DELETE with
`exportid` removes), getExportVideoStatus[&exportid=]. Choices where the vendor is silent:
- API session: the sim sets a `SenseSession` cookie on the first authenticated command without a valid
  one; export ids are small integers counted per session (1 in a new session). A request without the
  cookie, or after the expire_sessions fault, starts a new session, so earlier ids are unknown there.
- Unknown export ids answer errorcode -57 ("No exportid") with a description.
- Status strings: Exporting, Completed, Failed, Cancelled (per device and per export); progress 0-100.
- Exports are written as H.264 MKV ("native" here) to the server path, mapped by disk.py.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vms_desk.sim.base import SimState, build_app
from vms_desk.sim.vdg_sense.commands import Commands
from vms_desk.sim.vdg_sense.disk import DISK, disk_root, map_server_path
from vms_desk.sim.vdg_sense.replies import api_info, xml_response

__all__ = ["DISK", "build", "disk_root", "map_server_path"]


def build(state: SimState) -> Any:
    """The ASGI app simulating a VDG Sense server."""
    commands = Commands(state)

    async def info(_: Request) -> Response:
        commands.begin()
        return xml_response(api_info(state.faults.now()))

    routes = [
        Route("/info", info, methods=["GET"]),
        Route("/webservice", commands.login, methods=["POST"]),
        Route("/command", commands.handle, methods=["GET", "POST", "DELETE"]),
    ]
    return build_app(routes, state)
