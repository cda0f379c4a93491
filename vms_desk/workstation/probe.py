"""`vms-desk probe`: try each step against one server and say what worked and what the server answered.

For the person setting up against a real server. Every request goes through one traced HTTP client
(workstation/trace.py), so the report can quote the server's own reply and `--trace` can save the
whole exchange, redacted, for a field report. The optional export goes through the Workstation's
engine, so it is audited like any other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import Camera, ServerConfig, TimeSpan
from vms_desk.core.options import Capabilities, JsonValue
from vms_desk.core.protocol import VendorClient
from vms_desk.vendors.http_client import TLS_PIN_SETTING
from vms_desk.vendors.tls import normalise_fingerprint, probe_fingerprint
from vms_desk.workstation.root import Workstation
from vms_desk.workstation.trace import REDACTED, TraceTransport, secret_name

SAID = 160  # characters of the server's reply quoted in a failed step
LOOK_BACK = timedelta(hours=24)  # the span whose recordings are asked for


@dataclass(frozen=True)
class Step:
    """One step's outcome: ok, failed or skipped, and one readable sentence."""

    name: str
    outcome: str
    text: str

    @property
    def passed(self) -> bool:
        """True unless the step failed."""
        return self.outcome != "failed"

    def line(self) -> str:
        """`ok      camera list: 3 cameras ...`."""
        return f"{self.outcome:<8}{self.name}: {self.text}"


class Probe:
    """The steps against one server, in order; a failed reach or login ends the run."""

    def __init__(
        self,
        workstation: Workstation,
        server: ServerConfig,
        password: str | None,
        trace: TraceTransport,
        *,
        export_options: dict[str, JsonValue] | None = None,
        on_step: Callable[[Step], None] | None = None,
    ) -> None:
        self.workstation = workstation
        self.server = server
        # The traced HTTP client enforces a TLS pin itself; with the pin in its settings the pool
        # would build an untraced client of its own for the export test.
        settings = {k: v for k, v in server.settings.items() if k != TLS_PIN_SETTING}
        self.pool_server = server.model_copy(update={"settings": settings})
        self.on_step = on_step
        self.password = password
        self.trace = trace
        self.export_options = export_options or {}
        self.steps: list[Step] = []
        self._mark = 0

    # --- reporting ----------------------------------------------------------------------------------
    def _add(self, name: str, outcome: str, text: str) -> Step:
        step = Step(name, outcome, text)
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step

    def _failed(self, name: str, err: BaseException) -> Step:
        """Our sentence, then the last thing the server said during this step (if it said anything)."""
        said = self._server_said()
        return self._add(name, "failed", f"{err}{' Server said: ' + said if said else ''}")

    def _server_said(self) -> str:
        for exchange in reversed(self.trace.lines()[self._mark :]):
            response = exchange.get("response")
            if response is not None:
                body = " ".join(str(response.get("body", "")).split())[:SAID]
                return f"HTTP {response['status']}{' ' + repr(body) if body else ''}"
            if "error" in exchange:
                return str(exchange["error"])
        return ""

    def _begin(self) -> None:
        self._mark = len(self.trace.exchanges)

    # --- the steps -----------------------------------------------------------------------------------
    async def run(self, *, export_test: bool = False) -> list[Step]:
        """Every step; returns them (also in `steps`)."""
        if not await self._reach():
            return self.steps
        await self._tls()
        client = await self._login()
        if client is None:
            return self.steps
        try:
            cameras = await self._cameras(client)
            camera = next((c for c in cameras if c.online), cameras[0] if cameras else None)
            span = await self._recordings(client, camera)
            caps = await self._capabilities(client)
        finally:
            await client.aclose()
        if export_test:
            await self._export(camera, span, caps)
        else:
            self._add("export test", "skipped", "not asked for (--export-test)")
        return self.steps

    def _address(self) -> tuple[str, int, bool]:
        url = urlsplit(self.server.url)
        secure = url.scheme == "https"
        return url.hostname or "", url.port or (443 if secure else 80), secure

    async def _reach(self) -> bool:
        host, port, _ = self._address()
        started = time.monotonic()
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5.0)
        except (OSError, TimeoutError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            self._add("reach", "failed", f"Nothing answered at {host}:{port} ({reason}); check the address.")
            return False
        writer.close()
        self._add(
            "reach",
            "ok",
            f"{host}:{port} accepted a connection in {(time.monotonic() - started) * 1000:.0f} ms",
        )
        return True

    async def _tls(self) -> None:
        host, port, secure = self._address()
        if not secure:
            self._add("TLS", "skipped", "plain HTTP: nothing is encrypted and there is no certificate")
            return
        try:
            found = await probe_fingerprint(host, port)
        except VmsDeskError as err:
            self._failed("TLS", err)
            return
        pin = self.server.settings.get(TLS_PIN_SETTING, "")
        if pin and normalise_fingerprint(pin) != normalise_fingerprint(found):
            self._add(
                "TLS", "failed", f"The certificate is not the trusted one: SHA-256 {found} (trusted: {pin})."
            )
        else:
            trusted = " (the trusted one)" if pin else "; compare it with what the administrator says"
            self._add("TLS", "ok", f"certificate SHA-256 {found}{trusted}")

    async def _login(self) -> VendorClient | None:
        self._begin()
        login_from = len(self.trace.exchanges)
        client = self.workstation.clients.factory(self.pool_server, self.password, self.workstation.http)
        try:
            info = await client.connect()
        except VmsDeskError as err:
            await self._offered(login_from)
            self._failed("auth accepted", err)
            await client.aclose()
            return None
        exchanges = self.trace.lines()[login_from:]
        await self._offered(login_from)
        self._add("auth accepted", "ok", accepted(exchanges))
        what = " ".join(p for p in (info.name, f"version {info.version}" if info.version else "") if p)
        self._add("version", "ok", what or "the server does not say (logged in)")
        return client

    async def _offered(self, login_from: int) -> None:
        """Send the client's first protected request again without credentials: its challenges."""
        exchanges = self.trace.lines()[login_from:]
        target = next((e for e in exchanges if _credentialed(e)), exchanges[0] if exchanges else None)
        if target is None:
            self._add("auth offered", "skipped", "the login sent no request to ask again without credentials")
            return
        request = target["request"]
        url = _without_secrets(request["url"])
        method = request["method"]
        if REDACTED in str(request.get("body", "")):
            # A login message: sending it again without its password would be a failed login on the
            # server (and may count towards locking the account), so it is only described.
            where = f"{method} {urlsplit(url).path}"
            self._add("auth offered", "ok", f"a login message ({where}) with the credentials in its body")
            return
        body = str(request.get("body", "")).encode("utf-8")
        kind = next((v for k, v in request["headers"] if k.lower() == "content-type"), "")
        headers = {"content-type": kind} if kind else {}
        try:
            response = await self.workstation.http.request(method, url, content=body or None, headers=headers)
        except httpx.HTTPError as exc:  # reported as the step's outcome, not raised
            self._add(
                "auth offered", "failed", f"{method} {urlsplit(url).path} without credentials failed ({exc})."
            )
            return
        challenges = response.headers.get_list("www-authenticate")
        path = urlsplit(url).path
        if challenges:
            text = "; ".join(challenges)
            self._add(
                "auth offered",
                "ok",
                f"{method} {path} without credentials: HTTP {response.status_code}, {text}",
            )
        else:
            self._add(
                "auth offered",
                "ok",
                f"{method} {path} without credentials: HTTP {response.status_code}, "
                "no WWW-Authenticate challenge",
            )

    async def _cameras(self, client: VendorClient) -> list[Camera]:
        self._begin()
        try:
            cameras = await client.list_cameras()
        except VmsDeskError as err:
            self._failed("camera list", err)
            return []
        shown = ", ".join(f"{c.id} {c.name!r}" for c in cameras[:3]) + (" ..." if len(cameras) > 3 else "")
        count = f"{len(cameras)} camera{'s' if len(cameras) != 1 else ''}"
        self._add("camera list", "ok", f"{count}{': ' + shown if cameras else ''}")
        return cameras

    async def _recordings(self, client: VendorClient, camera: Camera | None) -> TimeSpan | None:
        if camera is None:
            self._add("recordings", "skipped", "no camera to ask about")
            return None
        self._begin()
        end = datetime.now(UTC).replace(microsecond=0)
        try:
            found = await client.recordings(camera.id, TimeSpan(start=end - LOOK_BACK, end=end))
        except VmsDeskError as err:
            self._failed("recordings", err)
            return None
        if not found.known:
            self._add("recordings", "ok", f"camera {camera.id}: the server cannot tell what is recorded")
            return None
        if not found.spans:
            self._add("recordings", "ok", f"camera {camera.id}: nothing recorded in the last 24 hours")
            return None
        last = found.spans[-1]
        self._add(
            "recordings",
            "ok",
            f"camera {camera.id}: {len(found.spans)} span(s) in the last 24 hours, the last "
            f"{last.start:%Y-%m-%d %H:%M:%S}Z to {last.end:%Y-%m-%d %H:%M:%S}Z",
        )
        return last

    async def _capabilities(self, client: VendorClient) -> Capabilities | None:
        self._begin()
        try:
            caps = await client.capabilities()
        except VmsDeskError as err:
            self._failed("capabilities", err)
            return None
        options = ", ".join(o.name for o in caps.options) or "none"
        formats = ", ".join(f.name for f in caps.formats) or "none"
        self._add("capabilities", "ok", f"formats {formats}; options {options}")
        return caps

    async def _export(self, camera: Camera | None, span: TimeSpan | None, caps: Capabilities | None) -> None:
        if camera is None or caps is None or not caps.formats:
            self._add("export test", "skipped", "no camera or no format to export")
            return
        self._begin()
        fmt = _plain_format(caps, self.export_options)
        end = (
            min(span.end, datetime.now(UTC)) if span is not None else datetime.now(UTC) - timedelta(minutes=5)
        )
        end = end.replace(microsecond=0)
        request = ExportRequest(
            camera_id=camera.id,
            span=TimeSpan(start=end - timedelta(seconds=1), end=end),
            format=fmt,
            options=self.export_options,
        )
        engine = self.workstation.engine
        try:
            record = await engine.submit(
                self.pool_server,
                request,
                camera_name=camera.name,
                out_dir=self.workstation.out_dir(),
                case="probe",
                operator=self.workstation.operator,
            )
            await engine.run_until_idle()
        except VmsDeskError as err:
            self._failed("export test", err)
            return
        record = self.workstation.store.get(record.id)
        if record.state is not JobState.DONE:
            said = self._server_said()
            self._add("export test", "failed", f"{record.error}{' Server said: ' + said if said else ''}")
            return
        files = ", ".join(f"{f.name} ({f.size} bytes, SHA-256 {f.sha256[:12]}...)" for f in record.files)
        saved = (
            f"{files} in {record.evidence_dir}"
            if files
            else f"the files stay on the server at {record.server_path}"
        )
        self._add("export test", "ok", f"1 s of {fmt} as job {record.id}: {saved}")


def _plain_format(caps: Capabilities, given: dict[str, Any]) -> str:
    """The first format that needs no option the user did not give."""
    for spec in caps.formats:
        needed = [
            o.name
            for o in caps.options
            if o.required and o.default is None and (o.formats is None or spec.name in o.formats)
        ]
        if all(name in given for name in needed):
            return spec.name
    return caps.formats[0].name


def _credentialed(exchange: dict[str, Any]) -> bool:
    request = exchange["request"]
    if any(REDACTED in str(v) for _, v in request["headers"]):
        return True
    return any(secret_name(k) for k, _ in parse_qsl(urlsplit(request["url"]).query))


def _without_secrets(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not secret_name(k)]
    )
    return urlunsplit(parts._replace(query=query))


def accepted(exchanges: list[dict[str, Any]]) -> str:
    """How the login went, from its (redacted) exchanges: the scheme the server took, and where."""
    login = ""
    for exchange in exchanges:
        request, status = exchange["request"], exchange.get("response", {}).get("status", 0)
        if not 200 <= status < 300:
            continue
        path = urlsplit(request["url"]).path
        auth = next((v for k, v in request["headers"] if k.lower() == "authorization"), "")
        if auth:
            return f"{auth.split()[0]} (HTTP {status} at {path}){login}"
        names = [k for k, _ in parse_qsl(urlsplit(request["url"]).query) if secret_name(k)]
        cookie = any(k.lower() == "cookie" for k, _ in request["headers"])
        if names or cookie:
            how = f"a session in the query ({', '.join(names)})" if names else "a session cookie"
            return f"{how} (HTTP {status} at {path}){login}"
        if request["method"] == "POST" and REDACTED in str(request.get("body", "")):
            login = f", after a login message at {path}"
    if login:
        return (
            f"the login message{login.removeprefix(', after a login message')} (its reply opens the session)"
        )
    return "no credentials needed" if exchanges else "nothing was sent"
