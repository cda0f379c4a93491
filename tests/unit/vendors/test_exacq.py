"""The exacqVision client against its simulator over real sockets: the exact requests it sends, what it
decodes, the transparent re-login, exports lost with their session, and errors a user can read."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import av
import httpx
import pytest
import pytest_asyncio

from vms_desk.core.errors import (
    AuthFailed,
    ConnectionFailed,
    ExportLost,
    NotFound,
    ServerBusy,
    VendorError,
    VmsDeskError,
)
from vms_desk.core.export import ExportRequest, build_request
from vms_desk.core.models import Recordings, ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus, VendorClient
from vms_desk.sim.archive import Archive, SimCamera
from vms_desk.sim.base import LoggedRequest, SimServer, SimState
from vms_desk.sim.exacq import build
from vms_desk.sim.registry import RunningSim
from vms_desk.vendors.exacq import Client
from vms_desk.vendors.exacq.requests import ENDPOINTS, GetFormats, Login, Logout
from vms_desk.vendors.exacq.wire import CameraWire, FormatsReply, zone_of

EXPORT = "/v1/export.web"


@pytest.fixture(scope="module")
def shared_sim(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.EXACQ, export_seconds=0.3)


@pytest.fixture
def sim(shared_sim: RunningSim) -> RunningSim:
    """The shared simulator with its request log cleared and every fault off."""
    return shared_sim.reset()


def make_client(url: str, http: httpx.AsyncClient, password: str | None = "demo", **settings: str) -> Client:
    return Client(ServerConfig(vendor=Vendor.EXACQ, url=url, user="demo", settings=settings), password, http)


@pytest_asyncio.fixture
async def client(sim: RunningSim, http: httpx.AsyncClient) -> AsyncIterator[Client]:
    exacq = make_client(sim.url, http)
    yield exacq
    await exacq.aclose()


@pytest.fixture
def custom(tmp_path: Path) -> Iterator[Callable[..., tuple[SimState, str]]]:
    """A simulator built with build() options (timezone form, dead-session status, formats)."""
    servers: list[SimServer] = []

    def start(**options: Any) -> tuple[SimState, str]:
        state = SimState(export_seconds=0.3, workdir=tmp_path / f"custom-{len(servers)}")
        state.workdir.mkdir()
        servers.append(SimServer(build(state, **options)).start())
        return state, servers[-1].url

    yield start
    for server in servers:
        server.stop()


def sent(state: SimState, path: str, method: str = "GET") -> list[LoggedRequest]:
    return state.find(path, method)


def session_of(state: SimState) -> str:
    """The session id the client sent last (search ids look like 0x..., sessions are UUIDs)."""
    return next(r.params["s"] for r in reversed(state.requests) if len(r.params.get("s", "")) == 36)


def session_of_create(state: SimState) -> str:
    return next(r for r in sent(state, EXPORT) if "camera" in r.params).params["s"]


def recent(seconds: int = 3) -> TimeSpan:
    start = (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0)
    return TimeSpan(start=start, end=start + timedelta(seconds=seconds))


def exacq_time(value: datetime, zone: Any = UTC) -> str:
    text = value.astimezone(zone).isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if zone is UTC else text


def downloads(state: SimState) -> list[LoggedRequest]:
    """The download requests, without the one that only reads the file name (Range: bytes=0-0)."""
    return [
        r
        for r in sent(state, EXPORT)
        if r.params.get("action") == "download" and r.headers.get("range") != "bytes=0-0"
    ]


async def start(
    client: Client, fmt: str = "mp4", span: TimeSpan | None = None, **options: Any
) -> ExportHandle:
    caps = await client.capabilities()
    request = build_request(
        caps, camera_id="1001", span=span or recent(), fmt=fmt, options=options, now=datetime.now(UTC)
    )
    return await client.start_export(request)


async def until_settled(client: Client, handle: ExportHandle) -> ExportStatus:
    for _ in range(300):
        status = await client.poll(handle)
        if status.phase is not ExportPhase.RUNNING:
            return status
        assert 0 <= status.progress < 1
        await asyncio.sleep(0.05)
    raise AssertionError("export never settled")


async def fetch(
    client: Client, handle: ExportHandle, status: ExportStatus, offset: int = 0
) -> tuple[int, bytes]:
    async with client.open_download(handle, status.files[0], offset) as body:
        data = b"".join([chunk async for chunk in body.chunks()])
        return body.offset, data


# --- login, cameras, recordings --------------------------------------------------------------------
@pytest.mark.asyncio
async def test_connect_sends_the_login_form_and_reads_the_server(sim: RunningSim, client: Client) -> None:
    assert isinstance(client, VendorClient)
    info = await client.connect()
    assert (info.vendor, info.name, info.version) == (Vendor.EXACQ, "exacqVision Simulator", "24.03.0.0")
    (login,) = sent(sim.state, "/v1/login.web", "POST")
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(login.body.decode())) == {
        "u": "demo",
        "p": "demo",
        "s": "0",
        "responseVersion": "2",
    }
    assert login.query == ""  # the password travels in the body only
    await client.connect()
    assert len(sent(sim.state, "/v1/login.web", "POST")) == 1


@pytest.mark.asyncio
async def test_wrong_password_is_auth_failed_without_echoing_it(
    sim: RunningSim, http: httpx.AsyncClient
) -> None:
    exacq = make_client(sim.url, http, password="s3cret-wrong")
    with pytest.raises(AuthFailed) as caught:
        await exacq.list_cameras()
    assert "refused the login" in str(caught.value)
    assert "Invalid username or password" in str(caught.value)
    assert "s3cret-wrong" not in str(caught.value) + caught.value.detail


@pytest.mark.asyncio
async def test_server_id_setting_is_sent_as_s(sim: RunningSim, http: httpx.AsyncClient) -> None:
    with pytest.raises(AuthFailed, match=r"server id \(7\)"):
        await make_client(sim.url, http, server_id="7").connect()
    assert dict(httpx.QueryParams(sent(sim.state, "login.web", "POST")[0].body.decode()))["s"] == "7"


@pytest.mark.asyncio
async def test_no_password_fails_before_contacting_the_server(
    sim: RunningSim, http: httpx.AsyncClient
) -> None:
    with pytest.raises(AuthFailed, match="No password"):
        await make_client(sim.url, http, password=None).connect()
    assert sim.state.requests == []


@pytest.mark.asyncio
async def test_list_cameras_sends_the_session(sim: RunningSim, client: Client) -> None:
    cameras = await client.list_cameras()
    assert [(c.id, c.name, c.online) for c in cameras][:2] == [
        ("1001", "Entrance", True),
        ("1002", "Parking Lot", True),
    ]
    (config,) = sent(sim.state, "/v1/config.web")
    assert set(config.params) == {"s", "output"}
    assert config.params["output"] == "json"
    assert len(config.params["s"]) == 36


@pytest.mark.asyncio
async def test_recordings_send_utc_times_and_merge_hourly_clips(sim: RunningSim, client: Client) -> None:
    end = datetime.now(UTC).replace(microsecond=0)
    span = TimeSpan(start=end - timedelta(days=8), end=end)
    recordings = await client.recordings("1003", span)
    assert recordings.known
    expected = [
        (a.replace(microsecond=0), b.replace(microsecond=0))
        for a, b in sim.state.archive.spans(3, span.start, end)
    ]
    assert [(s.start, s.end) for s in recordings.spans] == expected
    (search,) = sent(sim.state, "/v1/search.web")
    assert search.params == {
        "s": session_of(sim.state),
        "start": exacq_time(span.start),
        "end": exacq_time(end),
        "camera": "1003",
        "output": "json",
    }
    assert search.params["start"].endswith("Z")  # issue 9 point 9: not the fixed -04:00 of config.web
    (closed,) = sent(sim.state, "/v1/logout.web", "POST")
    assert closed.params["s"].startswith("0x")  # the search, not the session, is logged out


@pytest.mark.asyncio
async def test_recordings_in_a_gap_are_known_and_empty(sim: RunningSim, client: Client) -> None:
    gap_start, gap_end = sim.state.archive.gaps(2)[0]
    span = TimeSpan(start=gap_start + timedelta(seconds=3), end=gap_end - timedelta(seconds=3))
    recordings = await client.recordings("1002", span)
    assert (recordings.known, recordings.spans) == (True, ())
    assert sent(sim.state, "logout.web", "POST") == []


@pytest.mark.asyncio
async def test_with_time_zone_server_an_iana_server_zone_gives_its_offset(
    custom: Callable[..., tuple[SimState, str]], http: httpx.AsyncClient
) -> None:
    state, url = custom(timezone="Europe/Berlin")
    exacq = make_client(url, http, time_zone="server")
    span = recent(60)
    await exacq.recordings("1001", span)
    (search,) = sent(state, "search.web")
    assert search.params["start"] == exacq_time(span.start, ZoneInfo("Europe/Berlin"))
    assert search.params["start"][-6:] in ("+01:00", "+02:00")


# --- capabilities and the export cycle -------------------------------------------------------------
@pytest.mark.asyncio
async def test_capabilities_come_from_the_servers_list(sim: RunningSim, client: Client) -> None:
    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["mp4", "avi", "exe", "ps_zip"]
    assert [o.name for o in caps.options] == ["name"]
    (formats,) = sent(sim.state, EXPORT)
    assert formats.query == ""
    await client.capabilities()
    assert len(sent(sim.state, EXPORT)) == 1


@pytest.mark.asyncio
async def test_capabilities_fall_back_to_mp4(
    custom: Callable[..., tuple[SimState, str]], http: httpx.AsyncClient
) -> None:
    _, url = custom(formats=())
    caps = await make_client(url, http).capabilities()
    assert [f.name for f in caps.formats] == ["mp4"]


@pytest.mark.asyncio
async def test_export_cycle_sends_exact_requests_and_downloads_h264(sim: RunningSim, client: Client) -> None:
    span = recent(4)
    handle = await start(client, span=span, name="Gate 1")
    s = session_of(sim.state)
    create = next(r for r in sent(sim.state, EXPORT) if "camera" in r.params)
    assert create.params == {
        "camera": "1001",
        "s": s,
        "start": exacq_time(span.start),
        "end": exacq_time(span.end),
        "format": "mp4",
        "name": "Gate 1",
    }
    assert handle.session_bound
    assert re.fullmatch(r"[0-9a-f-]{36}", handle.export_ids[0])
    assert s not in json.dumps(handle.data)  # the session is a credential: never stored

    status = await until_settled(client, handle)
    assert status.phase is ExportPhase.DONE
    assert status.progress == 1.0
    (remote,) = status.files
    assert remote.name == "Gate 1.mp4"
    polls = [r for r in sent(sim.state, EXPORT) if r.params.get("export") and "action" not in r.params]
    assert polls[-1].params == {"export": handle.export_ids[0], "s": s}
    peek = next(r for r in sent(sim.state, EXPORT) if r.params.get("action") == "download")
    assert peek.headers["range"] == "bytes=0-0"  # only to read Content-Disposition's file name

    offset, data = await fetch(client, handle, status)
    assert offset == 0
    assert len(data) == remote.size
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert abs((container.duration or 0) / 1e6 - 4) < 1
    tail_offset, tail = await fetch(client, handle, status, offset=1000)
    assert (tail_offset, tail) == (1000, data[1000:])
    ranged = downloads(sim.state)
    assert ranged[-1].headers["range"] == "bytes=1000-"
    assert ranged[-1].params == {"export": handle.export_ids[0], "action": "download", "s": s}

    await client.finish(handle)
    finish = sent(sim.state, EXPORT)[-1]
    assert finish.params == {"export": handle.export_ids[0], "action": "finish", "s": s}
    with pytest.raises(ExportLost):
        await client.poll(handle)


@pytest.mark.asyncio
async def test_an_unnamed_export_is_called_export(client: Client) -> None:
    handle = await start(client, "ps_zip")
    status = await until_settled(client, handle)
    assert status.files[0].name == "Export.zip"


@pytest.mark.asyncio
async def test_cancel_finishes_the_export_and_tolerates_a_gone_one(sim: RunningSim, client: Client) -> None:
    handle = await start(client)
    await client.cancel(handle)
    assert sent(sim.state, EXPORT)[-1].params["action"] == "finish"
    await client.cancel(handle)  # already gone: nothing to release, no error


@pytest.mark.asyncio
async def test_a_failed_export_reports_the_vendor_text(sim: RunningSim, client: Client) -> None:
    sim.state.faults.update(export_fails=1)
    status = await until_settled(client, await start(client))
    assert status.phase is ExportPhase.FAILED
    assert status.vendor_error == "Export failed: the recorder could not read video for the requested time"
    assert status.error == (
        "exacqVision could not make the export. Check that the camera recorded video in the span, then try "
        'again. The server said: "Export failed: the recorder could not read video for the requested time" '
        "(code success: false)."
    )


# --- sessions: transparent re-login, lost exports --------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("session_status", [401, 200])
async def test_an_expired_session_is_renewed_once_and_the_request_repeated(
    custom: Callable[..., tuple[SimState, str]], http: httpx.AsyncClient, session_status: int
) -> None:
    state, url = custom(session_status=session_status)
    exacq = make_client(url, http)
    await exacq.list_cameras()
    old = session_of(state)
    state.faults.update(expire_sessions=True)
    cameras = await exacq.list_cameras()
    assert len(cameras) == 4
    configs = sent(state, "config.web")
    assert [r.params["s"] for r in configs][:2] == [old, old]
    assert configs[2].params["s"] != old
    assert len(sent(state, "login.web", "POST")) == 2


@pytest.mark.asyncio
async def test_concurrent_calls_share_one_re_login(sim: RunningSim, client: Client) -> None:
    await client.connect()
    sim.state.faults.update(expire_sessions=True)
    results = await asyncio.gather(*(client.list_cameras() for _ in range(4)))
    assert all(len(r) == 4 for r in results)
    assert len(sent(sim.state, "login.web", "POST")) == 2


@pytest.mark.asyncio
async def test_a_re_login_that_is_refused_is_auth_failed(sim: RunningSim, client: Client) -> None:
    await client.connect()
    sim.state.password = "rotated"
    sim.state.faults.update(expire_sessions=True)
    with pytest.raises(AuthFailed, match="refused the login"):
        await client.list_cameras()


@pytest.mark.asyncio
async def test_an_export_dies_with_its_session(sim: RunningSim, client: Client) -> None:
    handle = await start(client)
    old = session_of_create(sim.state)
    sim.state.faults.update(expire_sessions=True)
    with pytest.raises(ExportLost) as caught:
        await client.poll(handle)
    message = str(caught.value)
    assert "session" in message
    assert "gone" in message
    assert "Start the export again" in message
    polls = [r for r in sent(sim.state, EXPORT) if r.params.get("export")]
    assert polls[0].params["s"] == old
    assert polls[1].params["s"] != old
    assert len(sent(sim.state, "login.web", "POST")) == 2


@pytest.mark.asyncio
async def test_a_download_after_the_session_died_is_export_lost(sim: RunningSim, client: Client) -> None:
    handle = await start(client)
    status = await until_settled(client, handle)
    sim.state.faults.update(expire_sessions=True)
    with pytest.raises(ExportLost, match="session"):
        await fetch(client, handle, status)
    assert len(sent(sim.state, "login.web", "POST")) == 2


@pytest.mark.asyncio
async def test_a_json_refusal_in_place_of_the_file_renews_the_session(
    custom: Callable[..., tuple[SimState, str]], http: httpx.AsyncClient
) -> None:
    state, url = custom(session_status=200)  # a dead session answers 200 {"success": false}
    exacq = make_client(url, http)
    handle = await start(exacq)
    status = await until_settled(exacq, handle)
    state.faults.update(expire_sessions=True)
    with pytest.raises(ExportLost):
        await fetch(exacq, handle, status)
    sent_downloads = downloads(state)
    assert len(sent_downloads) == 2
    assert sent_downloads[0].params["s"] != sent_downloads[1].params["s"]


@pytest.mark.asyncio
async def test_a_new_client_cannot_resume_an_export_of_another_session(
    sim: RunningSim, client: Client, http: httpx.AsyncClient
) -> None:
    handle = await start(client)
    await client.aclose()  # logging out ends the session, and the export with it
    restarted = make_client(sim.url, http)
    with pytest.raises(ExportLost):
        await restarted.poll(ExportHandle.model_validate_json(handle.model_dump_json()))


# --- errors ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_5xx_is_server_busy(sim: RunningSim, client: Client) -> None:
    await client.connect()
    sim.state.faults.update(fail_next=1, fail_status=503, fail_path="config.web")
    with pytest.raises(ServerBusy, match=r"try again later.*HTTP 503") as caught:
        await client.list_cameras()
    assert caught.value.transient
    assert len(await client.list_cameras()) == 4


@pytest.mark.asyncio
async def test_a_dropped_download_is_connection_failed(sim: RunningSim, client: Client) -> None:
    handle = await start(client)
    status = await until_settled(client, handle)
    sim.state.faults.update(drop_after=500)
    with pytest.raises(ConnectionFailed, match="connection"):
        await fetch(client, handle, status)
    offset, rest = await fetch(client, handle, status, offset=500)
    assert offset == 500
    assert len(rest) == status.files[0].size - 500


@pytest.mark.asyncio
async def test_latency_is_tolerated(sim: RunningSim, client: Client) -> None:
    sim.state.faults.update(latency=0.2)
    assert len(await client.list_cameras()) == 4


@pytest.mark.asyncio
async def test_refusals_are_vendor_errors_with_the_servers_words(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    archive = Archive(cameras=(SimCamera(1, "Open"), SimCamera(2, "Locked", exportable=False)))
    sim = sim_factory(Vendor.EXACQ, archive=archive)
    exacq = make_client(sim.url, http)
    span = recent()
    with pytest.raises(VendorError, match="permission") as denied:
        await exacq.start_export(ExportRequest(camera_id="1002", span=span, format="mp4"))
    assert denied.value.code == "HTTP 403"
    with pytest.raises(VendorError, match="Invalid camera '42'") as unknown:
        await exacq.start_export(ExportRequest(camera_id="42", span=span, format="mp4"))
    assert unknown.value.vendor_text == "Invalid camera '42'"
    assert len(sent(sim.state, "login.web", "POST")) == 1  # a refused parameter is not a dead session


@pytest.mark.asyncio
async def test_an_unreachable_server_is_connection_failed(http: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed, match="Cannot reach"):
        await make_client(f"http://127.0.0.1:{port}", http).connect()


@pytest.mark.asyncio
async def test_a_wrong_address_says_where_to_point(sim: RunningSim, http: httpx.AsyncClient) -> None:
    with pytest.raises(NotFound, match="exacqVision Web Service"):
        await make_client(sim.url + "/elsewhere", http).connect()


@pytest.mark.asyncio
async def test_aclose_logs_out_and_never_raises(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    sim = sim_factory(Vendor.EXACQ)
    exacq = make_client(sim.url, http)
    await exacq.list_cameras()
    s = session_of(sim.state)
    await exacq.aclose()
    assert sent(sim.state, "logout.web", "POST")[-1].params == {"s": s}
    await exacq.list_cameras()
    sim.stop()
    await exacq.aclose()  # server gone: still no exception


# --- wire decoding and the request objects ---------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "offset"),
    [
        (-4, -240),
        ("-4", -240),
        (5.5, 330),
        (-300, -300),
        ("Asia/Kolkata", 330),
        ("Nowhere/City", 0),
        (None, 0),
        (1000, 0),
    ],
)
def test_zone_of(value: Any, offset: float) -> None:
    at = datetime(2026, 1, 15, tzinfo=UTC)
    assert (zone_of(value).utcoffset(at) or timedelta()) == timedelta(minutes=offset)


@pytest.mark.parametrize(
    ("state", "disabled", "online"),
    [("connected", False, True), ("Disconnected", False, False), ("", True, False), (0, False, False)],
)
def test_camera_state(state: Any, disabled: bool, online: bool) -> None:
    camera = CameraWire.model_validate(
        {"id": 7, "name": "X", "state": state, "disabled": disabled}
    ).to_camera()
    assert (camera.id, camera.online) == ("7", online)


def test_formats_as_objects_or_names() -> None:
    reply = FormatsReply.model_validate(
        {"formats": [{"name": "mp4"}, "avi", {"format": "exe"}, 3, True, "", "mp4"]}
    )
    assert reply.formats == ("mp4", "avi", "exe", "3")


def test_every_endpoint_is_a_v1_path_and_only_the_policy_adds_s() -> None:
    for cls in ENDPOINTS:
        request = cls(**{f.name: "x" for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
        assert request.path.startswith("/v1/"), cls
        assert request.path.endswith(".web"), cls
        assert request.method in ("GET", "POST")
        # Session-bound requests get `s=` from the ExacqSession policy; Logout names its own id.
        assert ("s" in dict(request.params())) == (cls is Logout), cls
        assert request.authenticated == (cls not in (Login, Logout, GetFormats)), cls
        assert (request.form() is not None) == (
            request.method == "POST" and request.path.endswith("login.web")
        )
    assert "secret" not in repr(Login("demo", "secret"))


def test_client_errors_are_vms_desk_errors() -> None:
    assert issubclass(ExportLost, VmsDeskError)


# --- issue 9: points 7-10 ---------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_success_false_on_a_status_is_an_export_failure_not_a_dead_session(
    sim: RunningSim, client: Client
) -> None:
    """Point 7: the old client re-logged in, repeated the poll, and then called the export lost."""
    other = await start(client)
    sim.state.faults.update(export_fails=1)
    failing = await start(client)
    status = await until_settled(client, failing)
    assert status.phase is ExportPhase.FAILED
    assert status.vendor_code == "success: false"
    assert status.error.endswith(
        'The server said: "Export failed: the recorder could not read video for the requested time" '
        "(code success: false)."
    )
    assert len(sent(sim.state, "login.web", "POST")) == 1  # no re-login
    creates = [r for r in sent(sim.state, EXPORT) if "camera" in r.params]
    assert len(creates) == 2  # nothing restarted
    assert (await until_settled(client, other)).phase is ExportPhase.DONE  # the other export lives on


REDOC_SEARCH = {  # the Redoc's "Create a Search" response sample, word for word (its objects filled in)
    "search_id": "0x257a8942",
    "frames": 7866,
    "start_time": "2018-06-20T13:56:21Z",
    "end_time": "2018-06-20T14:01:21Z",
    "frameCounts": {"1001": 7866},
    "audioInfo": [],
}


def _search(body: dict[str, Any]) -> Any:
    from vms_desk.vendors.exacq.requests import CreateSearch
    from vms_desk.vendors.exacq.wire import Reply

    span = TimeSpan(
        start=datetime(2018, 6, 20, 13, 0, tzinfo=UTC), end=datetime(2018, 6, 20, 15, 0, tzinfo=UTC)
    )
    reply = Reply(200, body, "", "exacqVision at x", "GET /v1/search.web")
    return CreateSearch("1001", "a", "b").read(reply).recordings(span)


@pytest.mark.parametrize(
    ("body", "known", "count"),
    [
        (REDOC_SEARCH, False, 0),  # point 8: frames but no clip list is "unknown", not "nothing recorded"
        ({**REDOC_SEARCH, "frames": 0, "frameCounts": {"1001": 0}}, True, 0),
        ({**REDOC_SEARCH, "frames": None, "frameCounts": {"1001": 0}}, True, 0),
        ({"success": True, "videoInfo": [{"clips": []}]}, True, 0),  # public client code: nothing found
        (
            {
                **REDOC_SEARCH,
                "videoInfo": [
                    {"clips": [{"startTime": "2018-06-20T13:56:21Z", "endTime": "2018-06-20T14:01:21Z"}]}
                ],
            },
            True,
            1,
        ),
        ({"search_id": "0x1"}, False, 0),
    ],
)
def test_the_documented_search_shape_is_read(body: dict[str, Any], known: bool, count: int) -> None:
    recordings = _search(body)
    assert (recordings.known, len(recordings.spans)) == (known, count)


@pytest.mark.asyncio
async def test_a_redoc_shaped_search_says_unknown(sim: RunningSim, client: Client) -> None:
    sim.state.faults.update(exacq_search="redoc")
    end = datetime.now(UTC).replace(microsecond=0)
    recordings = await client.recordings("1003", TimeSpan(start=end - timedelta(hours=2), end=end))
    assert not recordings.known
    gap_start, gap_end = sim.state.archive.gaps(2)[0]
    gap = TimeSpan(start=gap_start + timedelta(seconds=3), end=gap_end - timedelta(seconds=3))
    assert await client.recordings("1002", gap) == Recordings(known=True)  # frames 0: nothing recorded


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("setting", "winter", "summer"),
    [
        ({}, "2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"),
        ({"time_zone": "utc"}, "2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"),
        # Point 9: the server's fixed `timezone: -4` is wrong for January in New York ...
        ({"time_zone": "server"}, "2026-01-15T08:00:00-04:00", "2026-07-15T08:00:00-04:00"),
        # ... a zone name gives each instant its own offset.
        ({"time_zone": "America/New_York"}, "2026-01-15T07:00:00-05:00", "2026-07-15T08:00:00-04:00"),
    ],
)
async def test_the_time_zone_of_sent_times_is_a_setting(
    sim: RunningSim, http: httpx.AsyncClient, setting: dict[str, str], winter: str, summer: str
) -> None:
    exacq = make_client(sim.url, http, **setting)
    for day in (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)):
        await exacq.recordings("1001", TimeSpan(start=day, end=day + timedelta(minutes=1)))
    starts = [r.params["start"] for r in sent(sim.state, "search.web")]
    assert starts == [winter, summer]
    await exacq.aclose()


def test_an_unknown_time_zone_setting_is_refused(http: httpx.AsyncClient) -> None:
    from vms_desk.core.errors import InputError

    with pytest.raises(InputError, match="time_zone"):
        make_client("http://127.0.0.1:9", http, time_zone="Mars/Olympus")


@pytest.mark.asyncio
async def test_the_download_takes_the_servers_file_name(
    sim: RunningSim, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point 10: the old client always named the file itself."""
    from vms_desk.sim.exacq import replies

    monkeypatch.setitem(replies.EXTENSIONS, "mp4", "MP4")  # the server's suffix differs from ours
    status = await until_settled(client, await start(client, name="Gate 1"))
    assert status.files[0].name == "Gate 1.MP4"


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="Export.mp4"', "Export.mp4"),
        ("attachment; filename=Export.mp4", "Export.mp4"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Windows\\\\evil.exe"', "evil.exe"),
        ("attachment; filename*=UTF-8''Kamera%20%C3%84.mp4; filename=\"x.mp4\"", "Kamera Ä.mp4"),
        ('attachment; filename="a<b>:c?.mp4"', "a_b__c_.mp4"),
        ('attachment; filename=".hidden. "', "hidden"),
        ("attachment", ""),
        ("", ""),
    ],
)
def test_content_disposition_names_are_made_safe(header: str, name: str) -> None:
    from vms_desk.vendors.exacq.naming import disposition_name

    assert disposition_name(header) == name
