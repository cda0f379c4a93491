"""The VDG simulator's `/command` endpoint: Basic auth, API sessions and the export commands."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from starlette.requests import Request as HttpRequest
from starlette.responses import PlainTextResponse, Response

from vms_desk.sim.base import SimState
from vms_desk.sim.exports import RUNNING, ExportRegistry, SimExport
from vms_desk.sim.media import render_video
from vms_desk.sim.vdg_sense.disk import PathRefused, map_server_path
from vms_desk.sim.vdg_sense.model import Device, Request, Session, VdgExport, devices
from vms_desk.sim.vdg_sense.replies import (
    Refused,
    device_list,
    export_created,
    export_list,
    parse_body,
    parse_time,
    refused,
    result,
    text_of,
    xml_response,
)

COOKIE = "SenseSession"
FAILURE_TEXT = "Export failed: the recording could not be read from the storage"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def produce(export: SimExport) -> list[Path]:
    """One H.264 MKV per device, written atomically into the mapped server folder."""
    target = Path(export.options["target"])
    name = f"{_UNSAFE.sub('_', export.camera.name)} {export.start:%Y-%m-%d %H-%M-%S}.mkv"
    part = target / f".{name}.part"
    render_video(part, camera_name=export.camera.name, start=export.start, end=export.end, container="mkv")
    if export.state != RUNNING:  # removed while encoding: leave nothing behind
        part.unlink(missing_ok=True)
        return []
    final = target / name
    part.replace(final)
    return [final]


def _user(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class Commands:
    """Dispatches `command=NAME` for authenticated users within their API session."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.sessions: dict[str, Session] = {}
        self.registry = ExportRegistry(state, produce, FAILURE_TEXT)

    def begin(self) -> None:
        """Apply a pending expiry: every session ends (running exports go on, their ids are gone)."""
        if self.state.faults.take_expiry():
            self.sessions.clear()

    async def handle(self, request: HttpRequest) -> Response:
        """Authenticate, find or start the session, run the command."""
        self.begin()
        user = _user(request)
        if user != (self.state.user, self.state.password):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Basic realm="VDG Sense"'}
            )
        session = self.sessions.get(request.cookies.get(COOKIE, ""))
        fresh = session is None or session.user != user[0]
        if session is None or fresh:
            session = Session(user[0])
            self.sessions[session.token] = session
        params = {k.lower(): v for k, v in request.query_params.items()}
        name = params.get("command", "").lower()
        try:
            response = await self._run(name, request, params, session)
        except Refused as error:
            response = refused(error)
        if fresh:
            response.set_cookie(COOKIE, session.token, httponly=True)
        return response

    async def _run(
        self, name: str, request: HttpRequest, params: dict[str, str], session: Session
    ) -> Response:
        if name == "getdevicelist":
            return xml_response(device_list(devices(self.state)))
        if name == "getexportvideostatus":
            if "exportid" in params:
                return xml_response(export_list([self._find(session, params["exportid"])]))
            return xml_response(export_list(list(session.exports.values())))
        if name == "exportvideo" and request.method == "DELETE":
            return self._delete(session, params)
        if name == "exportvideo" and request.method == "POST":
            return await self._create(session, await request.body())
        if name == "exportvideo":
            raise Refused(-18, "General error: exportVideo needs POST (create) or DELETE (remove)")
        raise Refused(-1, f"Not implemented: {name or 'no command'}")

    @staticmethod
    def _find(session: Session, raw: str) -> VdgExport:
        export = session.exports.get(int(raw)) if raw.strip().isdigit() else None
        if export is None:
            raise Refused(-57, f"No exportid: there is no export {raw} in this session")
        return export

    def _delete(self, session: Session, params: dict[str, str]) -> Response:
        if not params.get("exportid", "").strip():
            raise Refused(-57)
        export = self._find(session, params["exportid"])
        for _, part in export.parts:
            self.registry.delete(part.id)
        del session.exports[export.ident]
        return xml_response(result())

    def _devices(self, body: bytes) -> tuple[list[Request], str, int]:
        root = parse_body(body)
        holder = root.find("devices")
        entries = holder.findall("device") if holder is not None else []
        if not entries:
            raise Refused(-34)
        known = {(d.serverid.lower(), d.deviceid.lower()): d for d in devices(self.state)}
        servers = {d.serverid.lower() for d in known.values()}
        wanted = []
        for entry in entries:
            serverid, deviceid = text_of(entry, "serverid"), text_of(entry, "deviceid")
            if not serverid:
                raise Refused(-33)
            if not deviceid:
                raise Refused(-34)
            if serverid.lower() not in servers:
                raise Refused(-17, f"No server: {serverid}")
            device: Device | None = known.get((serverid.lower(), deviceid.lower()))
            if device is None:
                raise Refused(-2, f"No device: {deviceid}")
            start, end = parse_time(text_of(entry, "starttime")), parse_time(text_of(entry, "endtime"))
            if end <= start:
                raise Refused(-37)
            if not self.state.archive.recorded(device.camera.index, start, end):
                raise Refused(-48)
            wanted.append(Request(device, start, end))
        raw_bandwidth = text_of(root, "bandwidth") or "0"
        if not raw_bandwidth.isdigit():
            raise Refused(
                -18, f"General error: bandwidth {raw_bandwidth!r} is not a number of bytes per second"
            )
        return wanted, text_of(root, "path"), int(raw_bandwidth)

    async def _create(self, session: Session, body: bytes) -> Response:
        wanted, path, bandwidth = self._devices(body)
        try:
            target = map_server_path(self.state, path)
        except PathRefused as exc:
            raise Refused(exc.code, str(exc)) from None
        ident = session.next_id
        parts = []
        for n, item in enumerate(wanted):
            part = self.registry.create(
                item.device.camera,
                item.start,
                item.end,
                "native",
                {"target": str(target)},
                export_id=f"{session.token}-{ident}-{n}",
                session=session.token,
            )
            parts.append((item.device, part))
        return xml_response(export_created(session.add(path, bandwidth, parts)))
