"""The VDG simulator's `/command` endpoint: Basic auth, API sessions and the export commands."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree
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
BASIC = 'Basic realm="VDG Sense"'
LOGIN_WINDOW = timedelta(minutes=5)
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


def check_digest_login(body: bytes, user: str, password: str) -> str:  # noqa: PLR0911 - one per refusal
    """'' when the AuthenticateUserDigest message is right, else why not (the sim's choices, see login)."""
    try:
        root = parse_body(body)
    except Refused as exc:
        return str(exc)
    if root.tag != "authenticateuserdigest":
        return "General error: expected an AuthenticateUserDigest message"
    name, nonce, stamp, digest = (text_of(root, t) for t in ("username", "nonce", "timestamp", "digest"))
    if not nonce:
        return "General error: no nonce (client type)"
    try:
        when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return f"Invalid Timestamp. {stamp!r}: use yyyy-mm-dd hh:mm:ss (UTC)"
    if abs(datetime.now(UTC) - when) > LOGIN_WINDOW:
        return "Authentication failed: the timestamp is too far from the server's clock"
    expected = hashlib.sha1((nonce + stamp + password).encode(), usedforsecurity=False).hexdigest()
    if name != user or not hmac.compare_digest(digest.lower(), expected):
        return "Authentication failed: invalid username or digest"
    return ""


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

    async def login(self, request: HttpRequest) -> Response:
        """POST /webservice with AuthenticateUserDigest: a digest session (cookie), or errorcode -18.

        Choices (the article stops at the example message): the digest is SHA-1 hex of nonce, timestamp
        and password concatenated; the timestamp must be within LOGIN_WINDOW of the server's UTC clock;
        any nonce (client type) is accepted; a refusal is HTTP 401 with a `<result errorcode="-18">`.
        """
        self.begin()
        if self.state.faults.vdg_login == "basic-only":
            return PlainTextResponse("Not Found", status_code=404)
        verdict = check_digest_login(await request.body(), self.state.user, self.state.password)
        if verdict:
            body = etree.tostring(result(-18, verdict), xml_declaration=True, encoding="UTF-8")
            return Response(body, status_code=401, media_type="text/xml")
        session = Session(self.state.user, digest=True)
        self.sessions[session.token] = session
        response = xml_response(result())
        response.set_cookie(COOKIE, session.token, httponly=True)
        return response

    def _authenticate(self, request: HttpRequest) -> tuple[Session | None, bool] | Response:
        """(the session, whether it is new) for a digest session cookie or valid Basic, else the 401."""
        session = self.sessions.get(request.cookies.get(COOKIE, ""))
        if session is not None and session.digest:
            return session, False
        user = _user(request)
        if self.state.faults.vdg_login == "digest-only" or user != (self.state.user, self.state.password):
            challenge = {} if self.state.faults.vdg_login == "digest-only" else {"WWW-Authenticate": BASIC}
            body = etree.tostring(result(-18, "Not authenticated"), xml_declaration=True, encoding="UTF-8")
            return Response(body, status_code=401, media_type="text/xml", headers=challenge)
        if session is None or session.user != user[0]:
            return None, True
        return session, False

    async def handle(self, request: HttpRequest) -> Response:
        """Authenticate, find or start the session, run the command."""
        self.begin()
        checked = self._authenticate(request)
        if isinstance(checked, Response):
            return checked
        session, fresh = checked
        if session is None:
            session = Session(self.state.user)
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
