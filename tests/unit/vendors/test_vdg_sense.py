"""The VDG Sense client against its simulator over real sockets: commands, XML bodies, shares, lost ids."""

from __future__ import annotations

import asyncio
import base64
import io
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest
import pytest_asyncio
from lxml import etree

from vms_desk.core.errors import (
    AuthFailed,
    ExportLost,
    InputError,
    NotFound,
    ProtocolError,
    ServerBusy,
    VendorError,
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.options import OptionKind
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus, RemoteFile, VendorClient
from vms_desk.core.times import to_vdg
from vms_desk.sim.registry import RunningSim
from vms_desk.sim.vdg_sense import disk_root
from vms_desk.sim.vdg_sense.commands import FAILURE_TEXT
from vms_desk.sim.vdg_sense.model import SERVER_IDS
from vms_desk.vendors.vdg_sense import Client
from vms_desk.vendors.vdg_sense.wire import (
    DevicePart,
    check_result,
    parse_exports,
    progress_fraction,
    vendor_error,
)

BASIC = "Basic " + base64.b64encode(b"demo:demo").decode()
CAM1 = f"{SERVER_IDS[0]}/D3A1B2C4-0000-4000-8000-000000000001"
CAM3 = f"{SERVER_IDS[1]}/D3A1B2C4-0000-4000-8000-000000000003"


@pytest.fixture(scope="module")
def shared(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.VDG_SENSE, export_seconds=0.2)


@pytest.fixture
def vdg(shared: RunningSim) -> Iterator[RunningSim]:
    yield shared.reset()
    shared.state.faults.reset()


def _client(sim: RunningSim, http: httpx.AsyncClient, password: str = "demo", **settings: str) -> Client:
    config = ServerConfig(vendor=Vendor.VDG_SENSE, url=sim.url, user="demo", settings=settings)
    return Client(config, password, http)


@pytest_asyncio.fixture
async def client(vdg: RunningSim, http: httpx.AsyncClient) -> AsyncIterator[Client]:
    """A client whose share maps the server's /exports to the simulator's disk."""
    vdg_client = _client(
        vdg, http, share_server_prefix="/exports", share_local_path=str(disk_root(vdg.state) / "exports")
    )
    yield vdg_client
    await vdg_client.aclose()


def _span(seconds: float = 3) -> TimeSpan:
    start = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=123456)
    return TimeSpan(start=start, end=start + timedelta(seconds=seconds))


def _request(path: str, camera: str = CAM1, span: TimeSpan | None = None, **options: object) -> ExportRequest:
    return ExportRequest(
        camera_id=camera, span=span or _span(), format="native", options={"path": path, **options}
    )


async def _until_done(client: Client, handle: ExportHandle) -> ExportStatus:
    for _ in range(200):
        status = await client.poll(handle)
        if status.phase is not ExportPhase.RUNNING:
            return status
        assert 0 <= status.progress < 1
        await asyncio.sleep(0.03)
    raise AssertionError("export did not finish")


async def _read(client: Client, handle: ExportHandle, file: RemoteFile, offset: int = 0) -> tuple[int, bytes]:
    async with client.open_download(handle, file, offset) as body:
        return body.offset, b"".join([chunk async for chunk in body.chunks()])


def test_client_implements_the_protocol(vdg: RunningSim, http: httpx.AsyncClient) -> None:
    assert isinstance(_client(vdg, http), VendorClient)


# --- login and cameras ------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_connect_logs_in_with_the_documented_digest_message_first(
    vdg: RunningSim, http: httpx.AsyncClient
) -> None:
    """Issue 9 point 1: the old client sent only HTTP Basic; the article documents AuthenticateUserDigest."""
    client = _client(vdg, http)
    info = await client.connect()
    assert info.version == "2.7.3 (signed in with AuthenticateUserDigest)"
    assert client.login_scheme == "AuthenticateUserDigest"
    first, second, third = vdg.state.requests[:3]
    assert (first.method, first.path) == ("GET", "/info")
    assert "authorization" not in first.headers
    assert (second.method, second.path) == ("POST", "/webservice")
    message = etree.fromstring(second.body)
    assert [c.tag for c in message] == ["username", "nonce", "timestamp", "digest"]
    assert message.tag == "AuthenticateUserDigest"
    assert message.findtext("username") == "demo"
    assert message.findtext("nonce") == "AR5chsWVZagPfMpB"  # the article's example client type
    stamp = message.findtext("timestamp") or ""
    assert abs(
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - datetime.now(UTC)
    ) < timedelta(minutes=1)
    assert len(message.findtext("digest") or "") == 40
    assert (third.path, third.params) == ("/command", {"command": "getDeviceList"})
    assert "authorization" not in third.headers  # the session cookie carries the login
    assert third.headers["cookie"].startswith("SenseSession=")


@pytest.mark.asyncio
async def test_basic_login_when_asked_sends_basic_on_every_command(
    vdg: RunningSim, http: httpx.AsyncClient
) -> None:
    client = _client(vdg, http, login="basic")
    info = await client.connect()
    assert info.version == "2.7.3 (signed in with HTTP Basic)"
    assert vdg.state.find("/webservice") == []
    _first, second = vdg.state.requests[:2]
    assert (second.path, second.params) == ("/command", {"command": "getDeviceList"})
    assert second.headers["authorization"] == BASIC
    assert second.headers["cookie"] == ""  # nothing from the shared jar on the first command
    await client.list_cameras()
    assert vdg.state.requests[-1].headers["cookie"].startswith("SenseSession=")


@pytest.mark.asyncio
async def test_a_server_without_the_digest_login_falls_back_to_basic(
    vdg: RunningSim, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    vdg.state.faults.update(vdg_login="basic-only")
    client = _client(vdg, http)
    with caplog.at_level("INFO"):
        info = await client.connect()
    assert info.version.endswith("(signed in with HTTP Basic)")
    assert "falling back to HTTP Basic" in caplog.text
    assert vdg.state.find("/command")[0].headers["authorization"] == BASIC


@pytest.mark.asyncio
async def test_a_refused_digest_falls_back_to_basic_and_says_so(
    vdg: RunningSim, http: httpx.AsyncClient
) -> None:
    client = _client(vdg, http, digest_recipe="password,nonce,timestamp")  # not the server's recipe
    assert (await client.connect()).version.endswith("(signed in with HTTP Basic)")
    assert len(vdg.state.find("/webservice")) == 1


@pytest.mark.asyncio
async def test_a_digest_only_server_refuses_basic_but_takes_the_digest_login(
    vdg: RunningSim, http: httpx.AsyncClient
) -> None:
    vdg.state.faults.update(vdg_login="digest-only")
    with pytest.raises(AuthFailed, match="HTTP Basic") as caught:
        await _client(vdg, http, login="basic").connect()
    assert 'The server said: "Not authenticated" (code HTTP 401).' in str(caught.value)
    client = _client(vdg, http)
    assert client.login_scheme is None
    await client.connect()
    assert client.login_scheme == "AuthenticateUserDigest"
    with pytest.raises(AuthFailed, match="refused the AuthenticateUserDigest login") as refused:
        await _client(vdg, http, password="nope", login="digest").connect()
    assert "invalid username or digest" in str(refused.value)


@pytest.mark.asyncio
async def test_an_ended_digest_session_logs_in_again_once(vdg: RunningSim, client: Client) -> None:
    await client.list_cameras()
    vdg.state.faults.update(expire_sessions=True)
    assert len(await client.list_cameras()) == 4
    assert len(vdg.state.find("/webservice")) == 2


def test_login_settings_are_checked(vdg: RunningSim, http: httpx.AsyncClient) -> None:
    with pytest.raises(InputError, match="auto, digest or basic"):
        _client(vdg, http, login="kerberos")
    with pytest.raises(InputError, match="digest_recipe"):
        _client(vdg, http, digest_recipe="nonce,timestamp")


@pytest.mark.asyncio
async def test_wrong_password_is_auth_failed(vdg: RunningSim, http: httpx.AsyncClient) -> None:
    with pytest.raises(AuthFailed, match="refused the user name or password"):
        await _client(vdg, http, password="nope").connect()


@pytest.mark.asyncio
async def test_cameras_have_server_and_device_ids(client: Client) -> None:
    cameras = {c.name: c for c in await client.list_cameras()}
    assert cameras["Entrance"].id == CAM1
    assert cameras["Cash Desk 1"].id == CAM3
    assert cameras["Entrance"].online
    assert cameras["Entrance"].detail["ipaddress"] == "192.168.1.101"


@pytest.mark.asyncio
async def test_capabilities_and_recordings(vdg: RunningSim, client: Client, http: httpx.AsyncClient) -> None:
    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["native"]
    path, bandwidth = caps.options
    assert (path.name, path.kind, path.required) == ("path", OptionKind.PATH, True)
    assert (bandwidth.name, bandwidth.kind, bandwidth.minimum) == ("bandwidth", OptionKind.INT, 0)
    assert not caps.files_stay_on_server
    assert (await _client(vdg, http).capabilities()).files_stay_on_server
    assert not (await client.recordings(CAM1, _span())).known


# --- export ----------------------------------------------------------------------------------------
@pytest.mark.skipif(sys.platform == "win32", reason="'<' and '\"' cannot be in a Windows folder name")
@pytest.mark.asyncio
async def test_export_body_is_escaped_xml_and_files_come_from_the_share(
    vdg: RunningSim, client: Client
) -> None:
    path = '/exports/R&D <case> "7"'
    span = _span()
    folder = disk_root(vdg.state) / "exports" / 'R&D <case> "7"'
    folder.mkdir(parents=True)
    (folder / "older export.mkv").write_bytes(b"not ours")  # already there: not part of this export
    handle = await client.start_export(_request(path, span=span, bandwidth=5000))
    sent = vdg.state.find("/command", "POST")[-1]
    assert sent.params == {"command": "exportVideo"}
    assert sent.headers["content-type"] == "text/xml; charset=utf-8"
    assert "authorization" not in sent.headers
    assert sent.headers["cookie"].startswith("SenseSession=")
    assert b"R&amp;D &lt;case&gt;" in sent.body
    root = etree.fromstring(sent.body)
    assert root.findtext("path") == path
    assert root.findtext("bandwidth") == "5000"
    device = root.find("devices/device")
    assert [(c.tag, c.text) for c in device] == [
        ("serverid", SERVER_IDS[0]),
        ("deviceid", CAM1.split("/")[1]),
        ("starttime", to_vdg(span.start)),
        ("endtime", to_vdg(span.end)),
    ]
    assert to_vdg(span.start).endswith(".123")
    assert handle.export_ids == ("1",)  # a new client is a new API session: ids start at 1
    assert handle.session_bound
    status = await _until_done(client, handle)
    assert status.phase is ExportPhase.DONE
    assert status.server_path == path
    (file,) = status.files
    assert file.name.endswith(".mkv")
    assert file.name != "older export.mkv"
    offset, data = await _read(client, handle, file)
    assert offset == 0
    assert data == await asyncio.to_thread(Path(file.locator).read_bytes)
    assert file.size == len(data)
    with av.open(io.BytesIO(data)) as media:
        assert media.streams.video[0].codec_context.name == "h264"
        assert abs((media.duration or 0) / 1e6 - 3) < 1.0
    resumed, tail = await _read(client, handle, file, offset=1000)
    assert (resumed, tail) == (1000, data[1000:])
    status_request = vdg.state.find("/command", "GET")[-1]
    assert status_request.params == {"command": "getExportVideoStatus", "exportid": handle.export_ids[0]}


@pytest.mark.asyncio
async def test_windows_share_mapping_is_case_insensitive(vdg: RunningSim, http: httpx.AsyncClient) -> None:
    client = _client(
        vdg,
        http,
        share_server_prefix="D:\\Evidence",
        share_local_path=str(disk_root(vdg.state) / "D" / "Evidence"),
    )
    (disk_root(vdg.state) / "D" / "Evidence").mkdir(parents=True, exist_ok=True)
    handle = await client.start_export(_request("d:\\EVIDENCE\\Case 7", camera=CAM3))
    status = await _until_done(client, handle)
    (file,) = status.files
    assert Path(file.locator).parent == disk_root(vdg.state) / "D" / "Evidence" / "Case 7"


@pytest.mark.asyncio
async def test_without_a_mapping_the_files_stay_on_the_server(
    vdg: RunningSim, http: httpx.AsyncClient
) -> None:
    client = _client(vdg, http)
    handle = await client.start_export(_request("D:\\Exports\\unmapped"))
    status = await _until_done(client, handle)
    assert status.phase is ExportPhase.DONE
    assert not status.files_local
    assert status.files == ()
    assert status.server_path == "D:\\Exports\\unmapped"
    assert status.message.startswith("The files stay on the server at D:\\Exports\\unmapped")
    assert "no share mapping" in status.message


@pytest.mark.asyncio
async def test_a_path_outside_the_mapping_stays_on_the_server(client: Client) -> None:
    status = await _until_done(client, await client.start_export(_request("C:\\Elsewhere")))
    assert not status.files_local
    assert "outside the mapped share" in status.message


@pytest.mark.asyncio
async def test_failed_device_reports_the_vendor_text(vdg: RunningSim, client: Client) -> None:
    vdg.state.faults.update(export_fails=1)
    status = await _until_done(client, await client.start_export(_request("/exports/failing")))
    assert status.phase is ExportPhase.FAILED
    assert status.vendor_error == FAILURE_TEXT
    assert status.error == (
        "VDG Sense could not export into /exports/failing. Try again, or pick another span. "
        f'The server said: "{FAILURE_TEXT}" (status Failed).'
    )
    assert status.vendor_code == "Failed"


# --- lost ids ---------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_expired_session_loses_the_export_id(vdg: RunningSim, client: Client) -> None:
    handle = await client.start_export(_request("/exports/lost"))
    vdg.state.faults.update(expire_sessions=True)
    with pytest.raises(ExportLost, match="VDG Sense API session ended") as caught:
        await client.poll(handle)
    assert f"export id {handle.export_ids[0]} was lost" in str(caught.value)


@pytest.mark.asyncio
async def test_the_same_id_in_a_new_session_is_not_taken_for_ours(vdg: RunningSim, client: Client) -> None:
    old = await client.start_export(_request("/exports/a"))
    vdg.state.faults.update(expire_sessions=True)
    new = await client.start_export(_request("/exports/b"))  # same camera: only the session tells
    assert new.export_ids == old.export_ids == ("1",)  # ids restart at 1 in the new session
    with pytest.raises(ExportLost):
        await client.poll(old)
    assert (await client.poll(new)).server_path == "/exports/b"


@pytest.mark.asyncio
async def test_a_restarted_app_cannot_follow_an_old_id(
    vdg: RunningSim, client: Client, http: httpx.AsyncClient
) -> None:
    handle = await client.start_export(_request("/exports/restart"))
    with pytest.raises(ExportLost, match="session ended"):
        await _client(vdg, http).poll(handle)


# --- cancel, finish, errors -------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_cancel_deletes_the_pending_export(vdg: RunningSim, client: Client) -> None:
    handle = await client.start_export(_request("/exports/cancelled"))
    await client.cancel(handle)
    delete = vdg.state.find("/command", "DELETE")[-1]
    assert delete.params == {"command": "exportVideo", "exportid": handle.export_ids[0]}
    with pytest.raises(ExportLost, match="no longer knows the export id"):
        await client.poll(handle)
    vdg.state.requests.clear()
    await client.cancel(handle)  # already gone: no DELETE is sent
    assert not vdg.state.find("/command", "DELETE")


@pytest.mark.asyncio
async def test_finish_sends_nothing(vdg: RunningSim, client: Client) -> None:
    await client.finish(ExportHandle(export_ids=("1",), data={"path": "/exports"}))
    assert vdg.state.requests == []


@pytest.mark.parametrize(
    ("camera", "path", "span", "code", "words"),
    [
        (f"{SERVER_IDS[0]}/nope", "/exports/x", None, "-2", "does not know this camera"),
        (f"UNKNOWN/{CAM1.split('/')[1]}", "/exports/x", None, "-17", "recording server"),
        (
            CAM1,
            "/exports/x",
            TimeSpan(start=datetime(2001, 1, 1, tzinfo=UTC), end=datetime(2001, 1, 2, tzinfo=UTC)),
            "-48",
            "no recording of this camera",
        ),
        (CAM1, "Z:\\x", None, "-58", "cannot use the export folder Z:\\x"),
        (CAM1, "F:\\x", None, "-60", "not enough disk space for the export in F:\\x"),
        (CAM1, "D:\\x\\..\\..\\y", None, "-61", "could not create the export folder"),
    ],
)
@pytest.mark.asyncio
async def test_vendor_errors_are_typed_and_readable(
    client: Client, camera: str, path: str, span: TimeSpan | None, code: str, words: str
) -> None:
    with pytest.raises(VendorError, match="error " + code) as caught:
        await client.start_export(_request(path, camera=camera, span=span))
    assert caught.value.code == code
    assert words in str(caught.value)
    assert caught.value.vendor_text


@pytest.mark.parametrize("code", [-1, -2, -4, -17, -18, -33, -34, -37, -48, -57, -58, -60, -61, -99])
def test_every_documented_code_has_a_sentence(code: int) -> None:
    data = f'<result errorcode="{code}"><description>vendor says</description></result>'.encode()
    with pytest.raises(VendorError) as caught:
        check_result(data, command="exportVideo", path="D:\\x")
    assert caught.value.code == str(code)
    assert caught.value.vendor_text == "vendor says"
    message = str(caught.value)
    assert f"error {code}" in message
    assert message.endswith(".")
    assert message == vendor_error(code, "vendor says", command="exportVideo", path="D:\\x").message


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><result errorcode='0'/>",
        b"<result",
        b"<other/>",
        b'<result errorcode="x"/>',
    ],
)
def test_bad_replies_are_protocol_errors(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        check_result(data, command="getDeviceList")


@pytest.mark.parametrize(
    ("status", "progress", "phase"),
    [
        ("Completed", 1.0, ExportPhase.DONE),
        ("done", 1.0, ExportPhase.DONE),
        ("", 1.0, ExportPhase.DONE),
        ("Completed successfully", 1.0, ExportPhase.DONE),  # issue 9 point 11: never ended before
        ("Export completed successfully", 0.5, ExportPhase.DONE),
        ("Exporting", 0.4, ExportPhase.RUNNING),
        ("queued", 0, ExportPhase.RUNNING),
        ("Failed", 0.4, ExportPhase.FAILED),
        ("ERROR: disk", 0, ExportPhase.FAILED),
        ("Completed with errors", 1.0, ExportPhase.FAILED),
        ("Unsuccessful", 1.0, ExportPhase.FAILED),
    ],
)
def test_device_status_words_are_read_leniently(status: str, progress: float, phase: ExportPhase) -> None:
    assert DevicePart(serverid="s", deviceid="d", progress=progress, status=status).phase is phase


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("100", 1.0),
        ("45", 0.45),
        ("45%", 0.45),
        ("0", 0.0),
        ("0.25", 0.25),
        ("1.0", 1.0),
        ("1", 0.01),
        ("x", 0.0),
    ],
)
def test_progress_is_percent_unless_written_as_a_fraction(text: str, fraction: float) -> None:
    assert progress_fraction(text) == pytest.approx(fraction)


def _status_reply(export_status: str, *devices: tuple[str, str]) -> bytes:
    parts = "".join(
        f"<device><serverid>S</serverid><deviceid>D{n}</deviceid><progress>{progress}</progress>"
        f"<status>{status}</status></device>"
        for n, (progress, status) in enumerate(devices)
    )
    return (
        f'<result errorcode="0"><exports count="1"><export><exportid>1</exportid><path>D:\\x</path>'
        f"<status>{export_status}</status><devices>{parts}</devices></export></exports></result>"
    ).encode()


@pytest.mark.parametrize(
    ("reply", "phase"),
    [
        # Issue 9 point 11: each of these never ended (or never failed) under the old reading.
        (_status_reply("Completed successfully", ("100", "Completed successfully")), ExportPhase.DONE),
        (_status_reply("", ("1.0", ""), ("1.0", "")), ExportPhase.DONE),  # progress as a 0-1 fraction
        (_status_reply("Completed"), ExportPhase.DONE),  # only the export-level status says it
        (_status_reply("Completed", ("100", "")), ExportPhase.DONE),
        (_status_reply("Failed", ("40", "Exporting")), ExportPhase.FAILED),  # export-level failure
        (_status_reply("Exporting", ("0.5", "Exporting")), ExportPhase.RUNNING),
        (_status_reply("Waiting for storage", ("40", "Waiting")), ExportPhase.RUNNING),
    ],
)
def test_the_export_level_status_and_both_progress_scales_are_read(reply: bytes, phase: ExportPhase) -> None:
    (entry,) = parse_exports(check_result(reply, command="getExportVideoStatus"))
    assert entry.summary()[0] is phase


def test_an_unknown_status_word_is_kept_verbatim() -> None:
    (entry,) = parse_exports(
        check_result(_status_reply("Waiting for storage", ("40", "Waiting")), command="x")
    )
    assert entry.words == "Waiting for storage; Waiting"
    assert entry.summary() == (ExportPhase.RUNNING, pytest.approx(0.4), "")


def test_a_failure_message_ends_with_the_servers_words_and_code() -> None:
    """Build item 4: the old message for a known code dropped the server's description."""
    error = vendor_error(-48, "No videodata for timestamp", command="exportVideo")
    assert str(error).endswith('The server said: "No videodata for timestamp" (code -48).')
    assert str(error).startswith("VDG Sense has no recording of this camera")


@pytest.mark.asyncio
async def test_input_is_checked_before_the_server(vdg: RunningSim, client: Client) -> None:
    with pytest.raises(InputError, match="<serverid>/<deviceid>"):
        await client.start_export(_request("/exports/x", camera="just-a-name"))
    with pytest.raises(InputError, match="export folder on the server"):
        await client.start_export(_request("  "))
    with pytest.raises(InputError, match="bandwidth"):
        await client.start_export(_request("/exports/x", bandwidth=-1))
    assert vdg.state.requests == []


@pytest.mark.asyncio
async def test_download_outside_the_share_or_missing_is_not_found(vdg: RunningSim, client: Client) -> None:
    handle = ExportHandle(export_ids=("1",), data={"path": "/exports/x"})
    with pytest.raises(NotFound, match="not in the share folder"):
        client.open_download(handle, RemoteFile(name="passwd", locator="/etc/passwd"))
    missing = RemoteFile(name="gone.mkv", locator=str(disk_root(vdg.state) / "exports" / "x" / "gone.mkv"))
    with pytest.raises(NotFound, match="no longer in"):
        await _read(client, handle, missing)


@pytest.mark.asyncio
async def test_server_error_is_busy_and_latency_is_tolerated(vdg: RunningSim, client: Client) -> None:
    vdg.state.faults.update(fail_next=1, fail_status=503)
    with pytest.raises(ServerBusy, match="HTTP 503"):
        await client.list_cameras()
    vdg.state.faults.update(latency=0.2)
    assert len(await client.list_cameras()) == 4
