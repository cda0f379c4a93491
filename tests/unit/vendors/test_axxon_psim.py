"""The Axxon PSIM client against its simulator over real sockets: requests sent, replies decoded, errors."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

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
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus, RemoteFile, VendorClient
from vms_desk.sim.axxon_psim.tasks import FAILURE_TEXT
from vms_desk.sim.registry import RunningSim
from vms_desk.vendors.axxon_psim import Client
from vms_desk.vendors.axxon_psim.wire import TaskReply, cameras_from_properties, parse_properties

BASIC = "Basic " + base64.b64encode(b"demo:demo").decode()
PSIM_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ$")


@pytest.fixture(scope="module")
def shared(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.AXXON_PSIM, export_seconds=0.2)


@pytest.fixture
def psim(shared: RunningSim) -> Iterator[RunningSim]:
    yield shared.reset()
    shared.state.faults.reset()


def _client(url: str, http: httpx.AsyncClient, password: str = "demo", **settings: str) -> Client:
    return Client(
        ServerConfig(vendor=Vendor.AXXON_PSIM, url=url, user="demo", settings=settings), password, http
    )


@pytest_asyncio.fixture
async def client(psim: RunningSim, http: httpx.AsyncClient) -> AsyncIterator[Client]:
    psim_client = _client(psim.url, http)
    yield psim_client
    await psim_client.aclose()


def _span(seconds: float = 3) -> TimeSpan:
    start = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=250000)
    return TimeSpan(start=start, end=start + timedelta(seconds=seconds))


async def _until_done(client: Client, handle: ExportHandle) -> tuple[ExportStatus, list[ExportStatus]]:
    seen = []
    for _ in range(200):
        status = await client.poll(handle)
        seen.append(status)
        if status.phase is not ExportPhase.RUNNING:
            return status, seen
        await asyncio.sleep(0.03)
    raise AssertionError("export did not finish")


async def _read(client: Client, handle: ExportHandle, file: RemoteFile, offset: int = 0) -> tuple[int, bytes]:
    async with client.open_download(handle, file, offset) as body:
        return body.offset, b"".join([chunk async for chunk in body.chunks()])


# --- login and cameras ------------------------------------------------------------------------------
def test_client_implements_the_protocol(http: httpx.AsyncClient) -> None:
    assert isinstance(_client("http://127.0.0.1:1", http), VendorClient)


@pytest.mark.asyncio
async def test_connect_gets_a_token_with_basic_then_reads_the_camera_file(
    psim: RunningSim, client: Client
) -> None:
    info = await client.connect()
    assert info.vendor is Vendor.AXXON_PSIM
    token, version, config = psim.state.requests[:3]
    assert (token.method, token.path, token.params) == ("GET", "/token", {"expires_in": "1800"})
    assert token.headers["authorization"] == BASIC
    # Point 2: the version comes from web2's product version request, not a hard-coded "1.0".
    assert version.path == "/web2/product/version"
    assert config.path == "/web2/secure/video/config.properties"
    assert config.params == {"version": "1.0.1.224", "login": "demo", "password": "demo"}
    assert info.version == "1.0.1.224"


@pytest.mark.asyncio
async def test_cameras_without_the_archive_right_are_not_exportable(client: Client) -> None:
    cameras = {c.id: c for c in await client.list_cameras()}
    assert cameras["1"].name == "Entrance"
    assert cameras["1"].exportable
    assert cameras["1"].detail == {"rights": "11"}
    assert not cameras["5"].exportable


@pytest.mark.asyncio
async def test_wrong_password_is_auth_failed(psim: RunningSim, http: httpx.AsyncClient) -> None:
    with pytest.raises(AuthFailed, match="refused the user name or password") as caught:
        await _client(psim.url, http, password="wrong").connect()
    assert "HTTP 401" in str(caught.value)


@pytest.mark.asyncio
async def test_no_token_endpoint_means_no_auth(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    sim = sim_factory(Vendor.AXXON_PSIM)
    sim.state.faults.update(fail_next=1, fail_status=404, fail_path="/token")
    client = _client(sim.url, http)
    await client.connect()
    handle = await client.start_export(ExportRequest(camera_id="1", span=_span(), format="mp4"))
    status, _ = await _until_done(client, handle)
    assert status.phase is ExportPhase.DONE
    offset, data = await _read(client, handle, status.files[0])
    assert offset == 0
    assert data
    assert [r.path for r in sim.state.requests if r.path == "/token"] == ["/token"]
    assert all("authorization" not in r.headers for r in sim.state.requests if r.path != "/token")


@pytest.mark.asyncio
async def test_camera_file_saying_password_invalid_is_auth_failed(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    sim = sim_factory(Vendor.AXXON_PSIM)
    sim.state.faults.update(fail_next=1, fail_status=404, fail_path="/token")  # no token: web2 decides
    with pytest.raises(AuthFailed, match=r"password\.invalid=true"):
        await _client(sim.url, http, password="wrong").connect()


@pytest.mark.asyncio
async def test_web2_url_setting_reads_cameras_from_another_server(
    psim: RunningSim, sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    web2 = sim_factory(Vendor.AXXON_PSIM)
    client = _client(psim.url, http, web2_url=web2.url, web2_version="1.0.1")
    assert len(await client.list_cameras()) == 5
    assert web2.state.requests[0].params["version"] == "1.0.1"
    assert not psim.state.find("config.properties")


@pytest.mark.asyncio
async def test_recordings_are_unknown_and_capabilities_list_the_five_formats(client: Client) -> None:
    assert not (await client.recordings("1", _span())).known
    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["mp4", "avi", "flv", "mov", "asf"]
    assert caps.options == ()
    assert not caps.recordings_known
    assert await client.snapshot("1", _span()) is None


# --- export ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_export_cycle_sends_psim_json_and_downloads_from_the_configured_server(
    psim: RunningSim, client: Client
) -> None:
    span = _span()
    handle = await client.start_export(ExportRequest(camera_id="1", span=span, format="avi"))
    create = psim.state.find("/createarchivetask")[0]
    body = json.loads(create.body)
    assert body == {
        "CameraId": "1",
        "From": span.start.strftime("%Y-%m-%dT%H:%M:%S.25Z"),
        "To": span.end.strftime("%Y-%m-%dT%H:%M:%S.25Z"),
        "Format": "avi",
    }
    assert PSIM_TIME.match(body["From"])
    assert create.headers["content-type"] == "application/json"
    assert create.headers["authorization"].startswith("Bearer ")
    assert re.fullmatch(r"[0-9a-f-]{36}", handle.export_ids[0])
    assert {k: handle.data[k] for k in ("camera_id", "format")} == {"camera_id": "1", "format": "avi"}
    status, seen = await _until_done(client, handle)
    assert status.phase is ExportPhase.DONE
    assert seen[0].phase is ExportPhase.RUNNING
    assert 0 <= seen[0].progress < 1
    assert status.actual_span == span  # echoed with +03:00, read back as the same instants
    (file,) = status.files
    assert file.locator == f"/download?file={handle.export_ids[0]}"  # the reply's host is never used
    offset, data = await _read(client, handle, file)
    assert offset == 0
    download = psim.state.find("/download")[-1]
    assert download.params == {"file": handle.export_ids[0]}
    assert download.headers["authorization"] == create.headers["authorization"]
    with av.open(io.BytesIO(data)) as media:
        assert media.format.name == "avi"
        assert media.streams.video[0].codec_context.name == "h264"
        assert abs((media.duration or 0) / 1e6 - 3) < 1.0
    resumed_at, tail = await _read(client, handle, file, offset=100)
    assert resumed_at == 100
    assert tail == data[100:]
    assert psim.state.find("/download")[-1].headers["range"] == "bytes=100-"


@pytest.mark.asyncio
async def test_camera_without_archive_rights_is_refused_before_asking(
    psim: RunningSim, client: Client
) -> None:
    with pytest.raises(VendorError, match="no archive rights for the camera 'Corridor East'") as caught:
        await client.start_export(ExportRequest(camera_id="5", span=_span(), format="mp4"))
    assert caught.value.code == "no-archive-rights"
    assert not psim.state.find("/createarchivetask")


@pytest.mark.asyncio
async def test_unknown_camera_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound, match="no camera with id '42'"):
        await client.start_export(ExportRequest(camera_id="42", span=_span(), format="mp4"))


@pytest.mark.asyncio
async def test_server_refusal_is_a_vendor_error_with_its_text(client: Client) -> None:
    old = datetime(2001, 1, 1, tzinfo=UTC)
    span = TimeSpan(start=old, end=old + timedelta(minutes=1))
    with pytest.raises(
        VendorError,
        match=r'refused the export\. .* The server said: "There are no archive records in the requested '
        r'interval" \(Error\)\.$',
    ) as caught:
        await client.start_export(ExportRequest(camera_id="1", span=span, format="mp4"))
    assert caught.value.vendor_text == "There are no archive records in the requested interval"
    assert caught.value.code == "Error"


@pytest.mark.asyncio
async def test_failed_export_reports_the_vendor_text(psim: RunningSim, client: Client) -> None:
    psim.state.faults.update(export_fails=1)
    handle = await client.start_export(ExportRequest(camera_id="2", span=_span(), format="mp4"))
    status, _ = await _until_done(client, handle)
    assert status.phase is ExportPhase.FAILED
    assert status.vendor_error == FAILURE_TEXT
    assert status.vendor_code == "Failed"
    # Build item 4: our sentence, then the server's words and code.
    assert status.error.startswith("Axxon PSIM could not make the export. ")
    assert status.error.endswith(f'The server said: "{FAILURE_TEXT}" (Failed).')


@pytest.mark.asyncio
async def test_unknown_task_is_export_lost(client: Client) -> None:
    with pytest.raises(ExportLost, match="no longer knows the export nope"):
        await client.poll(ExportHandle(export_ids=("nope",)))


# --- faults ----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_expired_token_is_renewed_once(psim: RunningSim, client: Client) -> None:
    await client.connect()
    psim.state.faults.update(expire_sessions=True)
    handle = await client.start_export(ExportRequest(camera_id="1", span=_span(), format="mp4"))
    assert handle.export_ids
    creates = psim.state.find("/createarchivetask")
    assert len(creates) == 2
    assert creates[0].headers["authorization"] != creates[1].headers["authorization"]
    assert len(psim.state.find("/token")) == 2


@pytest.mark.asyncio
async def test_token_refused_after_renewal_is_auth_failed(psim: RunningSim, client: Client) -> None:
    psim.state.faults.update(fail_next=2, fail_status=401, fail_path="/getarchivetaskstatus")
    with pytest.raises(AuthFailed, match=r'refused the user name .* "simulated failure 401" \(HTTP 401\)'):
        await client.poll(ExportHandle(export_ids=("x",)))
    assert len(psim.state.find("/token")) == 2


@pytest.mark.asyncio
async def test_server_error_is_server_busy(psim: RunningSim, client: Client) -> None:
    psim.state.faults.update(fail_next=1, fail_status=503, fail_path="/getarchivetaskstatus")
    with pytest.raises(ServerBusy, match="HTTP 503") as caught:
        await client.poll(ExportHandle(export_ids=("x",)))
    assert caught.value.transient


@pytest.mark.asyncio
async def test_latency_is_tolerated(psim: RunningSim, client: Client) -> None:
    psim.state.faults.update(latency=0.2)
    assert len(await client.list_cameras()) == 5


@pytest.mark.asyncio
async def test_dropped_download_is_connection_failed(psim: RunningSim, client: Client) -> None:
    handle = await client.start_export(ExportRequest(camera_id="1", span=_span(), format="mp4"))
    status, _ = await _until_done(client, handle)
    psim.state.faults.update(drop_after=500)
    with pytest.raises(ConnectionFailed, match=r"connection to .* was lost"):
        await _read(client, handle, status.files[0])


@pytest.mark.asyncio
async def test_finish_and_cancel_send_nothing_and_close_logs_out(psim: RunningSim, client: Client) -> None:
    await client.connect()
    psim.state.requests.clear()
    handle = ExportHandle(export_ids=("x",))
    await client.finish(handle)
    await client.cancel(handle)
    assert psim.state.requests == []
    await client.aclose()
    (logout,) = psim.state.requests
    assert logout.params == {"expires_in": "0"}
    assert logout.headers["authorization"] == BASIC


# --- wire -------------------------------------------------------------------------------------------
def test_properties_are_decoded_leniently() -> None:
    props = parse_properties(
        b"# comment\npassword.invalid=false\ncam.0.id=2\n"
        b"cam.0.name=\\u0424\\u0430\\u0441\\u0430\\u0434 A\\=B\n"
        b"cam.0.rights=0x0B\ncam.1.id = 7\ncam.1.rights=3\ncam.2.id=9\ncam.count=3#\n"
    )
    cameras = cameras_from_properties(props)
    assert [(c.id, c.name, c.exportable) for c in cameras] == [
        ("2", "Фасад A=B", True),
        ("7", "Camera 7", False),
        ("9", "Camera 9", True),  # no rights field: the server decides
    ]


@pytest.mark.parametrize("error", [None, "null", "", " NULL "])
def test_status_without_an_error_in_any_spelling(error: str | None) -> None:
    reply = TaskReply.model_validate({"ErrorMessage": error, "State": "InProgress", "Percents": "40"})
    assert reply.error == ""
    assert not reply.done
    assert reply.progress == 0.4


def test_locator_keeps_path_and_query_only() -> None:
    reply = TaskReply.model_validate({"Url": "http://10.0.0.9:80/psim/download?file=a%20b"})
    assert reply.locator("") == "/psim/download?file=a%20b"
    assert reply.locator("/psim") == "/download?file=a%20b"


def test_a_token_that_cannot_travel_in_a_header_is_a_protocol_error() -> None:
    """Found by fuzzing: a token with a non-ASCII character used to crash header encoding."""
    from vms_desk.core.errors import ProtocolError
    from vms_desk.vendors.axxon_psim.wire import decode_token

    assert decode_token(b'{"access_token": " abc.DEF-123 "}') == "abc.DEF-123"
    with pytest.raises(ProtocolError, match="cannot be sent back"):
        decode_token(b'{"access_token": "\\u0080"}')
