"""Simulator of an Axis camera's VAPIX edge-storage API: recordings on an SD card, exported as MKV.

Every CGI is behind HTTP authentication (see `auth`); each recorded span of a camera in the shared
archive is one recording whose video source number is the camera's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import Route

from vms_desk.sim.axis import device, model
from vms_desk.sim.axis.auth import AuthGate, schemes_from_env
from vms_desk.sim.axis.export import MATROSKA, ExportApi
from vms_desk.sim.base import SimState, build_app

__all__ = ["build"]


def build(
    state: SimState, *, auth_schemes: Sequence[str] | None = None, export_formats: Sequence[str] = (MATROSKA,)
) -> Any:
    """The ASGI app.

    `auth_schemes` is any of ("digest-sha256", "digest", "basic"), default from VMS_DESK_SIM_AXIS_AUTH;
    `export_formats` is what capabilities.cgi lists (and exportrecording.cgi accepts): "matroska", or
    also "mp4" to show a device whose list is not Matroska alone.
    """
    gate = AuthGate(state, model.REALM, auth_schemes or schemes_from_env())
    exports = ExportApi(state, tuple(export_formats))
    get, both = ["GET"], ["GET", "POST"]
    table = [
        ("/axis-cgi/basicdeviceinfo.cgi", device.basic_device_info(state), ["POST"]),
        ("/axis-cgi/param.cgi", device.param_cgi(state), both),
        ("/axis-cgi/disks/list.cgi", device.disks_list(state), get),
        ("/axis-cgi/record/list.cgi", device.record_list(state), both),
        ("/axis-cgi/record/export/schemaversions.cgi", exports.schemaversions, get),
        ("/axis-cgi/record/export/capabilities.cgi", exports.capabilities, get),
        ("/axis-cgi/record/export/properties.cgi", exports.properties, get),
        ("/axis-cgi/record/export/exportrecording.cgi", exports.export, get),
    ]
    routes = [Route(path, gate.protect(handler), methods=methods) for path, handler, methods in table]
    return build_app(list(routes), state)
