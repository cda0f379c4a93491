"""The Axxon One client against its simulator over real sockets: the exact requests sent (raw id in the
path, Axxon times, JSON body, Basic then Bearer), the decoded results, and every error as a typed one."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from vms_desk.core.errors import (
    AuthFailed,
    ConnectionFailed,
    ExportLost,
    InputError,
    NotFound,
    ProtocolError,
    ServerBusy,
    VendorError,
)
from vms_desk.core.export import ExportRequest, build_request
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.options import parse_option_arg
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus, VendorClient
from vms_desk.core.times import to_axxon
from vms_desk.sim.archive import Archive, SimCamera
from vms_desk.sim.axxon_one import build
from vms_desk.sim.axxon_one.exports import FAILURE_TEXT
from vms_desk.sim.base import SimServer, SimState
from vms_desk.vendors import registry
from vms_desk.vendors.axxon_one import Client
from vms_desk.vendors.axxon_one import requests as axxon_requests
from vms_desk.vendors.axxon_one.capabilities import CAPABILITIES
from vms_desk.vendors.axxon_one.status import to_status
from vms_desk.vendors.axxon_one.wire import (
    LABEL,
    AuthReply,
    CameraListReply,
    ExportStatusReply,
    IntervalsReply,
)
from vms_desk.vendors.request import Reply, decode_model

CAM1 = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
BASIC = "Basic " + base64.b64encode(b"demo:demo").decode()
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


@dataclass
class Sim:
    """A running Axxon One simulator and what a test needs of it."""

    url: str
    state: SimState

    def client(self, http: httpx.AsyncClient, password: str | None = "demo", **settings: str) -> Client:
        """A client for this simulator (settings such as prefix go to ServerConfig.settings)."""
        config = ServerConfig(vendor=Vendor.AXXON_ONE, url=self.url, user="demo", settings=settings)
        return Client(config, password, http)

    def sent(self, part: str = "") -> list[tuple[str, str, str]]:
        """(method, path, Authorization scheme) of every logged request whose path contains `part`."""
        return [
            (r.method, r.path, r.headers.get("authorization", "").split(" ")[0])
            for r in self.state.requests
            if part in r.path
        ]


@pytest.fixture
def axxon(tmp_path: Path) -> Iterator[Callable[..., Sim]]:
    """axxon(archive=None, **switches) -> a simulator built with AxxonSimConfig switches; stopped after."""
    servers: list[SimServer] = []

    def start(archive: Archive | None = None, **switches: Any) -> Sim:
        state = SimState(export_seconds=0.3, workdir=tmp_path / f"sim{len(servers)}")
        if archive is not None:
            state.archive = archive
        state.workdir.mkdir()
        server = SimServer(build(state, **switches)).start()
        servers.append(server)
        return Sim(server.url, state)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def wire(http: httpx.AsyncClient) -> list[httpx.Request]:
    """Every request exactly as httpx puts it on the wire (raw path included)."""
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    http.event_hooks["request"].append(hook)
    return seen


async def wait(client: Client, handle: ExportHandle) -> tuple[ExportStatus, list[ExportStatus]]:
    """Poll until the export leaves RUNNING; returns the last status and the running ones seen."""
    running: list[ExportStatus] = []
    for _ in range(200):
        status = await client.poll(handle)
        if status.phase is not ExportPhase.RUNNING:
            return status, running
        running.append(status)
        await asyncio.sleep(0.05)
    raise AssertionError("the export never finished")


def video(start: datetime, seconds: float, fmt: str = "mp4", **options: Any) -> ExportRequest:
    """A video export request for camera 1."""
    span = TimeSpan(start=start, end=start + timedelta(seconds=seconds))
    return ExportRequest(camera_id=CAM1, span=span, format=fmt, options=options)


@pytest.mark.asyncio
async def test_list_cameras_pages_and_strips_hosts(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    client = sim.client(http)
    client.camera_page_size = 3
    cameras = await client.list_cameras()
    assert [c.id for c in cameras] == [
        f"Server1/DeviceIpint.{i}/SourceEndpoint.video:0:0" for i in range(1, 5)
    ]
    assert [c.name for c in cameras] == [c.name for c in sim.state.archive.cameras]
    assert cameras[0].detail["display_id"] == "1"
    assert all(c.exportable and c.online for c in cameras)
    pages = [r.params for r in sim.state.find("/camera/list")]
    assert pages == [{"limit": "3"}, {"limit": "3", "next_page": "3"}]
    assert {r.headers["authorization"] for r in sim.state.requests} == {BASIC}


@pytest.mark.asyncio
async def test_bearer_fallback_when_legacy_paths_refuse_basic(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(basic_legacy_401=True)
    client = sim.client(http)
    info = await client.connect()
    assert info.version.startswith("Axxon One")
    assert sim.sent() == [
        ("GET", "/product/version", "Basic"),
        ("POST", "/grpc", "Basic"),
        ("GET", "/product/version", "Bearer"),
    ]
    login = json.loads(sim.state.find("/grpc")[0].body)
    assert login == {
        "method": "axxonsoft.bl.auth.AuthenticationService.AuthenticateEx",
        "data": {"user_name": "demo", "password": "demo"},
    }
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(minutes=1))
    assert (await client.recordings(CAM1, span)).spans == (span,)
    await client.list_cameras()
    assert [s for _, _, s in sim.sent()[3:]] == ["Bearer", "Bearer"]  # Bearer from then on
    await client.aclose()
    close = sim.state.requests[-1]
    assert json.loads(close.body)["method"].endswith("CloseSession")
    assert close.headers["authorization"].startswith("Bearer ")


@pytest.mark.asyncio
async def test_expired_token_is_obtained_again_once(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(basic_legacy_401=True)
    client = sim.client(http)
    await client.connect()
    sim.state.faults.expire_sessions = True
    await client.connect()
    assert [s for _, _, s in sim.sent()[3:]] == ["Bearer", "Basic", "Bearer"]
    assert sim.sent()[4][1] == "/grpc"


@pytest.mark.asyncio
async def test_a_server_that_keeps_refusing_is_not_retried_forever(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    sim.state.faults.update(fail_next=6, fail_status=401, fail_path="/product/version")
    with pytest.raises(AuthFailed, match="HTTP 401"):
        await sim.client(http).connect()
    assert sim.sent() == [
        ("GET", "/product/version", "Basic"),
        ("POST", "/grpc", "Basic"),
        ("GET", "/product/version", "Bearer"),
    ]


@pytest.mark.asyncio
async def test_token_is_renewed_before_it_expires(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon(basic_legacy_401=True, token_seconds=20)
    client = sim.client(http)
    await client.connect()
    await client.connect()
    renew = sim.state.find("/grpc")[1]
    assert json.loads(renew.body) == {
        "method": "axxonsoft.bl.auth.AuthenticationService.RenewSession",
        "data": {},
    }
    assert renew.headers["authorization"].startswith("Bearer ")
    assert sim.state.requests[-1].headers["authorization"] != renew.headers["authorization"]


@pytest.mark.asyncio
@pytest.mark.parametrize("legacy", [False, True])
async def test_wrong_password_is_auth_failed(
    axxon: Callable[..., Sim], http: httpx.AsyncClient, legacy: bool
) -> None:
    sim = axxon(basic_legacy_401=legacy)
    with pytest.raises(AuthFailed, match="refused the user name or password") as caught:
        await sim.client(http, password="wrong").connect()
    assert "demo" not in str(caught.value)
    assert "wrong" not in caught.value.detail
    assert len(sim.sent("/grpc")) == 1  # one token attempt, no loop


@pytest.mark.asyncio
async def test_recordings_paged_by_more_in_documented_order(
    axxon: Callable[..., Sim], http: httpx.AsyncClient, wire: list[httpx.Request]
) -> None:
    sim = axxon()
    client = sim.client(http)
    client.interval_page_size = 2
    archive = sim.state.archive
    span = TimeSpan(start=archive.begin + timedelta(hours=1), end=datetime.now(UTC) - timedelta(minutes=1))
    recorded = await client.recordings(CAM1, span)
    expected = archive.spans(1, span.start, span.end)
    assert recorded.known
    assert [(s.start, s.end) for s in recorded.spans] == expected
    first = wire[0]
    assert first.url.raw_path.decode() == (
        f"/archive/contents/intervals/{CAM1}/{to_axxon(span.end)}/{to_axxon(span.start)}?limit=2"
    )
    assert len(wire) == -(-len(expected) // 2)  # one request per page of 2, stopped when `more` is false
    with pytest.raises(NotFound, match="does not know the camera"):
        await client.recordings("Server1/DeviceIpint.9/SourceEndpoint.video:0:0", span)


@pytest.mark.asyncio
async def test_video_export_cycle(
    axxon: Callable[..., Sim], http: httpx.AsyncClient, wire: list[httpx.Request]
) -> None:
    sim = axxon()
    client = sim.client(http)
    request = build_request(
        CAPABILITIES,
        camera_id=CAM1,
        span=video(RECENT, 3).span,
        fmt="mp4",
        options={"vc": 3},
        now=datetime.now(UTC),
    )
    handle = await client.start_export(request)
    post = wire[0]
    assert post.method == "POST"
    begin, end = to_axxon(RECENT), to_axxon(RECENT + timedelta(seconds=3))
    assert post.url.raw_path.decode() == f"/export/archive/{CAM1}/{begin}/{end}?waittimeout=30000"
    assert json.loads(post.content) == {"format": "mp4", "vc": 3}
    assert post.headers["authorization"] == BASIC
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", handle.export_ids[0])
    json.dumps(handle.data)  # must stay JSON-serialisable
    status, running = await wait(client, handle)
    assert running
    assert all(0.0 <= s.progress < 1.0 for s in running)
    assert status.phase is ExportPhase.DONE
    (remote,) = status.files
    assert remote.name == remote.locator == f"Server1_DeviceIpint.1[{begin}-{end}].mp4"
    assert status.actual_span == TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=3))
    async with client.open_download(handle, remote) as body:
        data = b"".join([chunk async for chunk in body.chunks()])
        assert body.offset == 0
        assert body.total == len(data)
    assert data[4:8] == b"ftyp"
    async with client.open_download(handle, remote, offset=500) as body:
        tail = b"".join([chunk async for chunk in body.chunks()])
        assert body.offset == 500
        assert body.total == len(data)
    assert tail == data[500:]
    download = sim.state.find("/file")[-1]
    assert download.params == {"name": remote.name}
    assert download.headers["range"] == "bytes=500-"
    await client.finish(handle)
    assert sim.sent("/export/")[-1][:2] == ("DELETE", f"/export/{handle.export_ids[0]}")
    await client.finish(handle)  # a second DELETE gets 404: still fine
    with pytest.raises(ExportLost, match="no longer knows this export"):
        await client.poll(handle)
    with pytest.raises(ExportLost):
        async with client.open_download(handle, remote):
            pass


@pytest.mark.asyncio
async def test_frame_export_sends_one_instant_and_numeric_layout(
    axxon: Callable[..., Sim], http: httpx.AsyncClient, wire: list[httpx.Request]
) -> None:
    sim = axxon()
    client = sim.client(http)
    options = dict(
        parse_option_arg(a)
        for a in ("layout=1", "comment=Case 7", "croparea=[[0.1,0.1],[0.9,0.9]]", "tsformat=%B %Y")
    )
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=5))
    request = build_request(
        CAPABILITIES, camera_id=CAM1, span=span, fmt="pdf", options=options, now=datetime.now(UTC)
    )
    handle = await client.start_export(request)
    stamp = to_axxon(RECENT)
    assert wire[0].url.raw_path.decode() == f"/export/archive/{CAM1}/{stamp}/{stamp}?waittimeout=30000"
    assert json.loads(wire[0].content) == {
        "format": "pdf",
        "layout": 1,
        "comment": "Case 7",
        "croparea": [[0.1, 0.1], [0.9, 0.9]],
        "tsformat": "%B %Y",
    }
    status, _ = await wait(client, handle)
    assert status.phase is ExportPhase.DONE
    assert status.files[0].name.endswith(".pdf")


@pytest.mark.asyncio
async def test_maxfilesize_gives_several_files(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon()
    client = sim.client(http)
    handle = await client.start_export(video(RECENT, 5, maxfilesize=20000))
    status, _ = await wait(client, handle)
    assert len(status.files) >= 2
    assert all(f.locator == f.name and f.actual_span is not None for f in status.files)
    assert status.actual_span == TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=5))
    sizes = []
    for remote in status.files:
        async with client.open_download(handle, remote) as body:
            sizes.append(len(b"".join([c async for c in body.chunks()])))
    assert all(size > 1000 for size in sizes)


@pytest.mark.asyncio
async def test_vendor_failures_keep_state_and_text(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    client = sim.client(http)
    sim.state.faults.export_fails = 1
    failed, _ = await wait(client, await client.start_export(video(RECENT, 2)))
    assert failed.phase is ExportPhase.FAILED
    assert failed.vendor_code == "3"
    assert failed.vendor_error == FAILURE_TEXT
    assert "could not make the export" in failed.error
    assert FAILURE_TEXT.rstrip(".") in failed.error
    gap_start, gap_end = sim.state.archive.gaps(1)[0]
    empty, _ = await wait(client, await client.start_export(video(gap_start + (gap_end - gap_start) / 2, 5)))
    assert empty.phase is ExportPhase.FAILED
    assert empty.vendor_code == "6"
    assert "no recording to export in this span" in empty.error


@pytest.mark.asyncio
async def test_start_errors_are_typed(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon()
    client = sim.client(http)
    with pytest.raises(NotFound, match="does not know the camera"):
        await client.start_export(
            ExportRequest(
                camera_id="Server1/DeviceIpint.77/SourceEndpoint.video:0:0",
                span=video(RECENT, 2).span,
                format="mp4",
            )
        )
    with pytest.raises(VendorError, match="refused the export request") as refused:
        await client.start_export(video(RECENT, 2, vc=9))  # bypasses validation on purpose
    assert refused.value.code == "400"
    assert "vc must be a whole number" in refused.value.vendor_text
    sim.state.faults.update(fail_next=1, fail_status=503)
    with pytest.raises(ServerBusy, match="HTTP 503") as busy:
        await client.start_export(video(RECENT, 2))
    assert busy.value.transient
    with pytest.raises(InputError, match="does not offer the format"):
        await client.start_export(video(RECENT, 2, fmt="mov"))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    gone = Sim(f"http://127.0.0.1:{port}", sim.state).client(http)
    with pytest.raises(ConnectionFailed, match="Cannot reach the server"):
        await gone.list_cameras()


@pytest.mark.asyncio
async def test_camera_without_export_right(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon(archive=Archive(cameras=(SimCamera(1, "Entrance"), SimCamera(2, "Vault", exportable=False))))
    client = sim.client(http)
    assert [c.exportable for c in await client.list_cameras()] == [True, False]
    vault = "Server1/DeviceIpint.2/SourceEndpoint.video:0:0"
    with pytest.raises(VendorError, match="does not allow this user to export") as refused:
        await client.start_export(ExportRequest(camera_id=vault, span=video(RECENT, 2).span, format="mp4"))
    assert refused.value.code == "403"


def test_every_documented_state_is_mapped() -> None:
    def status(state: int, **fields: Any) -> ExportStatus:
        return to_status(ExportStatusReply.model_validate({"state": state, **fields}))

    assert status(0).phase is ExportPhase.RUNNING
    assert status(1, progress=0.4).progress == pytest.approx(0.4)
    assert status(1, progress=40).progress == pytest.approx(0.4)  # a percentage is tolerated
    assert status(1, progress=-3).progress == 0.0
    for state, words in [
        (3, "could not make the export"),
        (4, "ran out of disk space"),
        (5, "same name"),
        (6, "no recording"),
    ]:
        failed = status(state, error="E-42 verbatim")
        assert failed.phase is ExportPhase.FAILED
        assert words in failed.error
        assert failed.vendor_error == "E-42 verbatim"
        assert failed.vendor_code == str(state)
    # Issue 9 (build item 3): an undocumented state is kept verbatim and treated as running.
    unknown = status(9, error="E-42 verbatim")
    assert unknown.phase is ExportPhase.RUNNING
    assert "state 9" in unknown.message
    empty = status(2, files=[])
    assert empty.phase is ExportPhase.FAILED
    assert "named no file" in empty.error
    odd = status(2, files=["../../evil.mp4"])
    assert odd.files[0].name == odd.files[0].locator == "../../evil.mp4"  # the jobs layer sanitises
    assert odd.actual_span is None


@pytest.mark.asyncio
async def test_snapshot_is_a_jpeg_and_is_deleted(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon()
    client = sim.client(http)
    client.snapshot_poll_seconds = 0.05
    jpeg = await client.snapshot(CAM1, TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=9)))
    assert jpeg is not None
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert json.loads(sim.state.find("/export/archive/")[0].body) == {"format": "jpg"}
    assert sim.sent()[-1][0] == "DELETE"
    gap_start, gap_end = sim.state.archive.gaps(2)[0]
    middle = gap_start + (gap_end - gap_start) / 2
    assert (
        await client.snapshot(
            "Server1/DeviceIpint.2/SourceEndpoint.video:0:0", TimeSpan(start=middle, end=middle)
        )
        is None
    )
    assert sim.sent()[-1][0] == "DELETE"


@pytest.mark.asyncio
async def test_cancel_deletes_a_running_export(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon()
    client = sim.client(http)
    handle = await client.start_export(video(RECENT, 2))
    await client.cancel(handle)
    assert sim.sent()[-1] == ("DELETE", f"/export/{handle.export_ids[0]}", "Basic")
    with pytest.raises(ExportLost):
        await client.poll(handle)


@pytest.mark.asyncio
async def test_prefix_setting(axxon: Callable[..., Sim], http: httpx.AsyncClient) -> None:
    sim = axxon(prefix="/asip-api")
    client = sim.client(http, prefix="asip-api/")
    assert len(await client.list_cameras()) == 4
    handle = await client.start_export(video(RECENT, 1))
    status, _ = await wait(client, handle)
    assert status.phase is ExportPhase.DONE
    assert {p for _, p, _ in sim.sent()} >= {
        "/asip-api/camera/list",
        f"/asip-api/export/{handle.export_ids[0]}/status",
    }


@pytest.mark.asyncio
async def test_dropped_download_resumes_with_range(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    client = sim.client(http)
    handle = await client.start_export(video(RECENT, 2))
    status, _ = await wait(client, handle)
    sim.state.faults.drop_after = 2000
    got = bytearray()

    async def read_into(buffer: bytearray) -> None:
        async with client.open_download(handle, status.files[0]) as body:
            async for chunk in body.chunks():
                buffer.extend(chunk)

    with pytest.raises(ConnectionFailed, match="lost"):
        await read_into(got)
    assert 0 < len(got) <= 2000
    async with client.open_download(handle, status.files[0], offset=len(got)) as body:
        assert body.offset == len(got)
        got.extend(b"".join([c async for c in body.chunks()]))
        assert len(got) == body.total


@pytest.mark.asyncio
async def test_conforms_to_the_protocol_and_registry(http: httpx.AsyncClient) -> None:
    config = ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9")
    client = registry.create_client(config, None, http)
    assert isinstance(client, Client)
    assert isinstance(client, VendorClient)
    await client.aclose()  # nothing opened: never raises


def test_capabilities_and_option_validation() -> None:
    formats = {f.name: f.frame for f in CAPABILITIES.formats}
    canvases = {o.name: o.canvas for o in CAPABILITIES.options if o.kind.value in ("area", "polygons")}
    assert canvases == {
        "croparea": "frame",
        "maskspace": "frame",
        "snapshotplace": "page",
        "commentplace": "page",
        "tsplace": "page",
    }
    assert formats == {"mp4": False, "mkv": False, "avi": False, "exe": False, "jpg": True, "pdf": True}
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=5))
    now = datetime.now(UTC)

    def req(fmt: str, **options: Any) -> ExportRequest:
        return build_request(CAPABILITIES, camera_id=CAM1, span=span, fmt=fmt, options=options, now=now)

    assert req("mp4", maxfilesize=1e6, freq=3).options == {"maxfilesize": 1000000, "freq": 3}
    assert req("jpg", tsformat="%Y").options == {"tsformat": "%Y"}
    for fmt, options, message in [
        ("mp4", {"freq": 4}, "between 0 and 3"),
        ("mp4", {"vc": 7}, "between 0 and 6"),
        ("mp4", {"maxfilesize": -1}, "0 or more"),
        ("mp4", {"snapshotplace": [[0, 0], [1, 1]]}, "applies only to the formats pdf"),
        ("jpg", {"layout": 1}, "applies only to the formats pdf"),
        ("pdf", {"layout": 2}, "must be one of 0, 1"),
        ("jpg", {"color": "red"}, "web colour"),
    ]:
        with pytest.raises(InputError, match=message):
            req(fmt, **options)


def test_request_objects_contract() -> None:
    """Every endpoint request: a known method, a relative path, a body only where the API wants one."""
    samples = [
        axxon_requests.ProductVersion(),
        axxon_requests.CameraList(limit=5, next_page="x"),
        axxon_requests.ArchiveIntervals(CAM1, end="20260101T000000", begin="past", limit=3),
        axxon_requests.StartExport(CAM1, "20260101T000000", "20260101T000001", {"format": "mp4"}),
        axxon_requests.GetExportStatus("abc"),
        axxon_requests.GetExportFile("abc", "a[b].mp4"),
        axxon_requests.DeleteExport("abc"),
        axxon_requests.Authenticate("demo", "secret"),
        axxon_requests.SessionCall("token", "CloseSession"),
    ]
    classes = {type(s) for s in samples}
    assert classes == set(axxon_requests.AxxonRequest.__subclasses__())
    for sample in samples:
        assert sample.method in ("GET", "POST", "DELETE")
        assert not sample.path.startswith("/")
        assert (sample.json_body() is not None) == (sample.method == "POST")
    assert "secret" not in repr(samples[7])
    pasted = axxon_requests.StartExport(f"hosts/{CAM1}", "20260101T000000", "20260101T000001", {})
    assert pasted.path == f"export/archive/{CAM1}/20260101T000000/20260101T000001"
    odd = axxon_requests.ArchiveIntervals(
        "Srv/Device Ipint.1/Source?x#y:0:0", end="future", begin="past", limit=1
    )
    assert odd.path == "archive/contents/intervals/Srv/Device%20Ipint.1/Source%3Fx%23y:0:0/future/past"


def _reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, content, httpx.Headers(headers or {}), "GET", "http://axxon/x")


def decode[M: BaseModel](model: type[M], reply: Reply) -> M:
    """The one JSON decoder the Axxon One requests use."""
    return decode_model(model, reply, LABEL)


def test_wire_models_decode_the_vendor_examples() -> None:
    """The payloads from the vendor's documentation pages decode to the right core values."""
    cameras = decode(
        CameraListReply,
        _reply(
            {
                "cameras": [
                    {
                        "accessPoint": "hosts/Server1/DeviceIpint.2/SourceEndpoint.video:0:0",
                        "displayId": 2,
                        "displayName": "Hall",
                        "enabled": True,
                        "isActivated": True,
                        "camera_access": "CAMERA_ACCESS_FULL",
                        "archives": [],
                        "videoStreams": [],
                    }
                ],
                "search_meta_data": [{"matches": [], "score": 0}],
            }
        ),
    )
    camera = cameras.cameras[0].to_camera()
    assert (camera.id, camera.name, camera.detail["display_id"]) == (
        "Server1/DeviceIpint.2/SourceEndpoint.video:0:0",
        "Hall",
        "2",
    )
    assert cameras.next_page_token is None
    intervals = decode(
        IntervalsReply,
        _reply(
            {
                "intervals": [{"begin": "20200512T105111.089000", "end": "20200521T121106.032000"}],
                "more": True,
            }
        ),
    )
    assert intervals.more
    assert intervals.intervals[0].to_span().start == datetime(2020, 5, 12, 10, 51, 11, 89000, tzinfo=UTC)
    status = decode(
        ExportStatusReply,
        _reply(
            {
                "id": "38e3e286-c07c-490f-a452-e4b541b958c4",
                "state": 2,
                "progress": 1.000000000e00,
                "error": "",
                "files": ["Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4"],
                "filesFriendly": ["Server1_10.RHCP[20190903T050000-20190903T050100].mp4"],
            }
        ),
    )
    assert status.files_friendly[0].startswith("Server1_10.RHCP")
    auth = decode(
        AuthReply,
        _reply(
            {
                "token_name": "auth_token",
                "token_value": "eyJ.x.y",
                "expires_at": "20201112T144147",
                "error_code": "AUTHENTICATE_CODE_OK",
            }
        ),
    )
    assert auth.expiry() == datetime(2020, 11, 12, 14, 41, 47, tzinfo=UTC)
    assert "eyJ" not in repr(auth)
    for broken in (b"<html>", {"cameras": [{"displayName": "no access point"}]}, {"intervals": "x"}):
        with pytest.raises(ProtocolError, match="cannot read"):
            decode(
                CameraListReply if not isinstance(broken, dict) or "cameras" in broken else IntervalsReply,
                _reply(broken),
            )
    with pytest.raises(ProtocolError, match="did not say where"):
        axxon_requests.StartExport(CAM1, "a", "b", {}).decode(_reply(b"", 202))
    assert (
        axxon_requests.StartExport(CAM1, "a", "b", {}).decode(
            _reply(b"", 202, {"Location": "/asip-api/export/3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3"})
        )
        == "3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3"
    )
