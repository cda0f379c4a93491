"""The Axis client against the simulator over real sockets: the exact requests, the decoded results."""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.request import parse_http_list, parse_keqv_list

import av
import httpx
import pytest
import pytest_asyncio
import pyzipper
import trustme

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
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.options import REDACTED, OptionKind, validate_options
from vms_desk.core.protocol import ExportHandle, ExportPhase, RemoteFile, VendorClient
from vms_desk.core.times import from_iso, to_axis
from vms_desk.sim import axis as axis_sim
from vms_desk.sim.axis import model
from vms_desk.sim.base import LoggedRequest, SimServer, SimState
from vms_desk.sim.registry import RunningSim
from vms_desk.vendors.axis import Client, wire
from vms_desk.vendors.axis.auth import AxisAuth
from vms_desk.vendors.axis.errors import MEANINGS, vendor_error
from vms_desk.vendors.registry import client_class

PROPERTIES = "/axis-cgi/record/export/properties.cgi"
EXPORT = "/axis-cgi/record/export/exportrecording.cgi"


@pytest.fixture(scope="module")
def shared_sim(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.AXIS, export_seconds=0.3)


@pytest.fixture
def sim(shared_sim: RunningSim) -> Iterator[RunningSim]:
    """The shared simulator with faults off and an empty request log."""
    yield shared_sim.reset()
    shared_sim.state.faults.reset()


@pytest_asyncio.fixture
async def client(sim: RunningSim, http: httpx.AsyncClient) -> AsyncIterator[Client]:
    axis = Client(
        ServerConfig(vendor=Vendor.AXIS, url=sim.url, user="demo", name="Gate camera"), "demo", http
    )
    yield axis
    await axis.aclose()


def _recordings(sim: RunningSim, camera: int = 1) -> list[model.SimRecording]:
    return [r for r in model.recordings(sim.state, datetime.now(UTC)) if r.camera.index == camera]


def _fields(request: LoggedRequest) -> dict[str, str]:
    scheme, _, rest = request.headers.get("authorization", "").partition(" ")
    assert scheme == "Digest"
    return parse_keqv_list(parse_http_list(rest))


def _sent(state: SimState, path: str) -> list[LoggedRequest]:
    """The requests to `path` that carried credentials (not the bare first request)."""
    return [r for r in state.find(path) if "authorization" in r.headers]


def _span(start: datetime, seconds: float) -> TimeSpan:
    return TimeSpan(start=start, end=start + timedelta(seconds=seconds))


async def _read(client: Client, handle: ExportHandle, file: RemoteFile, offset: int = 0) -> tuple[bytes, int]:
    data = bytearray()
    async with client.open_download(handle, file, offset) as body:
        async for chunk in body.chunks():
            data.extend(chunk)
        return bytes(data), body.offset


def _video(data: bytes) -> tuple[str, float]:
    with av.open(io.BytesIO(data)) as container:
        return container.streams.video[0].codec_context.name, (container.duration or 0) / 1_000_000


# --- authentication and the device ----------------------------------------------------------------------
@pytest.mark.asyncio
async def test_first_request_is_bare_then_digest_answers_the_challenge(
    sim: RunningSim, client: Client
) -> None:
    assert isinstance(client, VendorClient)
    assert client_class(Vendor.AXIS) is Client
    info = await client.connect()
    assert (info.vendor, info.name, info.version) == (Vendor.AXIS, "AXIS F9114 Main Unit", "11.11.73")
    await client.list_cameras()

    bare, answered, later = sim.state.requests
    assert (bare.method, bare.path) == ("POST", "/axis-cgi/basicdeviceinfo.cgi")
    assert "authorization" not in bare.headers
    assert json.loads(bare.body)["method"] == "getAllProperties"
    first = _fields(answered)
    assert answered.body == bare.body
    assert (first["username"], first["realm"], first["qop"], first["nc"]) == (
        "demo",
        model.REALM,
        "auth",
        "00000001",
    )
    assert first["uri"] == "/axis-cgi/basicdeviceinfo.cgi"
    # Later requests answer the known challenge at once: no second 401 round trip.
    second = _fields(later)
    assert (later.path, later.params) == (
        "/axis-cgi/param.cgi",
        {"action": "list", "group": "root.ImageSource"},
    )
    assert (second["nonce"], second["nc"]) == (first["nonce"], "00000002")
    assert second["uri"] == "/axis-cgi/param.cgi?action=list&group=root.ImageSource"


@pytest.mark.asyncio
async def test_wrong_password_is_auth_failed(sim: RunningSim, http: httpx.AsyncClient) -> None:
    axis = Client(ServerConfig(vendor=Vendor.AXIS, url=sim.url, user="demo"), "wrong", http)
    with pytest.raises(AuthFailed, match="refused the user name or password"):
        await axis.connect()
    assert len(sim.state.requests) == 2  # the bare request, then one answer: no retry loop


@pytest.mark.asyncio
async def test_expired_nonce_is_renewed_transparently(sim: RunningSim, client: Client) -> None:
    await client.connect()
    sim.state.faults.update(expire_sessions=True)
    cameras = await client.list_cameras()
    assert len(cameras) == 4
    stale, renewed = sim.state.requests[2:]
    assert _fields(stale)["nonce"] != _fields(renewed)["nonce"]
    assert _fields(renewed)["nc"] == "00000001"


@pytest.mark.asyncio
async def test_basic_is_refused_over_plain_http(tmp_path: Path, http: httpx.AsyncClient) -> None:
    with SimServer(axis_sim.build(SimState(workdir=tmp_path), auth_schemes=("basic",))) as server:
        axis = Client(ServerConfig(vendor=Vendor.AXIS, url=server.url, user="demo"), "demo", http)
        with pytest.raises(AuthFailed, match=r"readable over plain HTTP\. Use https://") as caught:
            await axis.connect()
        assert "demo" not in str(caught.value)


@pytest.mark.asyncio
async def test_basic_is_used_over_https(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cam.pem", tmp_path / "cam.key"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    state = SimState(workdir=tmp_path)
    app = axis_sim.build(state, auth_schemes=("basic",))
    with SimServer(app, certfile=str(certfile), keyfile=str(keyfile)) as server:
        async with httpx.AsyncClient(verify=context) as http:
            axis = Client(ServerConfig(vendor=Vendor.AXIS, url=server.url, user="demo"), "demo", http)
            assert (await axis.connect()).name == "AXIS F9114 Main Unit"
            await axis.list_cameras()
    bare, answered, later = state.requests
    assert "authorization" not in bare.headers
    assert answered.headers["authorization"] == later.headers["authorization"] == "Basic ZGVtbzpkZW1v"


@pytest.mark.asyncio
async def test_auth_prefers_digest_when_both_are_offered(tmp_path: Path) -> None:
    state = SimState(workdir=tmp_path)
    with SimServer(axis_sim.build(state, auth_schemes=("basic", "digest"))) as server:
        auth = AxisAuth("demo", "demo", https=True, where=server.url)
        async with httpx.AsyncClient() as http:
            response = await http.get(server.url + "/axis-cgi/disks/list.cgi", auth=auth)
    assert response.status_code == 200
    assert auth.scheme == "Digest MD5"
    assert state.requests[1].headers["authorization"].startswith("Digest ")


@pytest.mark.asyncio
async def test_cameras_are_the_video_sources(client: Client) -> None:
    cameras = await client.list_cameras()
    assert [c.id for c in cameras] == ["1", "2", "3", "4"]
    assert cameras[0].name == "AXIS F9114 Main Unit – Entrance"
    assert cameras[1].detail == {"source": "2", "device": "AXIS F9114 Main Unit", "serial": model.SERIAL}
    disks = await client.disks()
    assert [(d.diskid, d.full, d.status) for d in disks] == [("SD_DISK", False, "OK")]


@pytest.mark.asyncio
async def test_capabilities_offer_mkv_and_an_encrypted_zip(client: Client) -> None:
    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["mkv"]
    password, encryption = caps.options
    assert (password.name, password.kind) == ("password", OptionKind.SECRET)
    assert (encryption.name, encryption.kind, encryption.choices) == (
        "encryptionformat",
        OptionKind.CHOICE,
        ("zip-aes256",),
    )
    assert caps.secret_names() == {"password"}
    assert validate_options(caps, "mkv", {"password": "pass_1"}) == {"password": "pass_1"}
    with pytest.raises(InputError):
        validate_options(caps, "mkv", {"encryptionformat": "rot13"})


# --- recordings -----------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_recordings_are_the_overlapping_recordings_clipped(sim: RunningSim, client: Client) -> None:
    before, after = _recordings(sim)[:2]
    assert before.stop is not None
    span = TimeSpan(start=before.stop - timedelta(seconds=30), end=after.start + timedelta(seconds=45))
    found = await client.recordings("1", span)
    assert found.known
    assert found.spans == (
        TimeSpan(start=span.start, end=before.stop),
        TimeSpan(start=after.start, end=span.end),
    )
    (sent,) = _sent(sim.state, "/record/list.cgi")
    assert sent.params == {
        "listentity": "recording",
        "starttime": to_axis(span.start),
        "stoptime": to_axis(span.end),
        "sortorder": "ascending",
    }
    assert sent.params["starttime"].endswith("Z")
    # Another source's recordings are not this camera's; inside the gap nothing is recorded.
    other = await client.recordings("2", span)
    assert other.spans != found.spans
    gap = TimeSpan(start=before.stop + timedelta(seconds=1), end=after.start - timedelta(seconds=1))
    assert (await client.recordings("1", gap)).spans == ()


@pytest.mark.asyncio
async def test_the_ongoing_recording_reaches_the_span_end(client: Client) -> None:
    span = _span(datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=60), 30)
    assert (await client.recordings("3", span)).spans == (span,)


@pytest.mark.asyncio
async def test_a_long_list_is_read_page_by_page(tmp_path: Path, http: httpx.AsyncClient) -> None:
    state = SimState(workdir=tmp_path)
    state.archive.gaps_per_camera = 40  # about 35 recordings per camera, 140 in all: two pages
    with SimServer(axis_sim.build(state)) as server:
        axis = Client(ServerConfig(vendor=Vendor.AXIS, url=server.url, user="demo"), "demo", http)
        span = TimeSpan(start=state.archive.begin, end=datetime.now(UTC))
        found = await axis.recordings("1", span)
    expected = [r for r in model.recordings(state, datetime.now(UTC)) if r.camera.index == 1]
    assert len(found.spans) == len(expected) > 10
    pages = [r.params.get("startatresultnumber", "0") for r in _sent(state, "/record/list.cgi")]
    assert pages == ["0", "100"]


# --- export ---------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_export_across_a_gap_gives_one_file_per_recording(sim: RunningSim, client: Client) -> None:
    before, after = _recordings(sim)[:2]
    assert before.stop is not None
    span = TimeSpan(start=before.stop - timedelta(seconds=5.5), end=after.start + timedelta(seconds=4))
    handle = await client.start_export(ExportRequest(camera_id="1", span=span, format="mkv"))
    assert handle.export_ids == (before.recordingid, after.recordingid)
    json.dumps(handle.data)  # the jobs layer stores it

    first, second = _sent(sim.state, PROPERTIES)
    assert first.params == {
        "schemaversion": "1",
        "recordingid": before.recordingid,
        "diskid": "SD_DISK",
        "starttime": to_axis(span.start),
        "stoptime": to_axis(before.stop),
        "exportformat": "matroska",
    }
    assert (second.params["starttime"], second.params["stoptime"]) == (
        to_axis(after.start),
        to_axis(span.end),
    )

    status = await client.poll(handle)
    assert status.phase is ExportPhase.DONE
    key_frame = before.keyframe_at_or_before(span.start)
    assert key_frame < span.start
    one, two = status.files
    assert one.actual_span == TimeSpan(start=key_frame, end=before.stop)
    assert one.name == f"{key_frame:%Y%m%d_%H%M%S}_{before.stop:%Y%m%d_%H%M%S}.mkv"
    assert two.actual_span == TimeSpan(start=after.start, end=span.end)
    assert status.actual_span == TimeSpan(start=key_frame, end=span.end)

    for file in status.files:
        data, offset = await _read(client, handle, file)
        assert offset == 0
        codec, duration = _video(data)
        assert codec == "h264"
        assert file.actual_span is not None
        assert abs(duration - file.actual_span.duration.total_seconds()) < 1.0
    downloads = _sent(sim.state, EXPORT)
    assert downloads[0].params == {
        "schemaversion": "1",
        "recordingid": before.recordingid,
        "diskid": "SD_DISK",
        "exportformat": "matroska",
        "starttime": to_axis(key_frame),
        "stoptime": to_axis(before.stop),
    }
    assert from_iso(downloads[1].params["starttime"]) == after.start
    asked = len(sim.state.requests)
    await client.finish(handle)
    await client.cancel(handle)
    assert len(sim.state.requests) == asked  # nothing to release on the device


@pytest.mark.asyncio
async def test_a_resumed_download_asks_for_a_range(sim: RunningSim, client: Client) -> None:
    rec = _recordings(sim)[0]
    handle = await client.start_export(
        ExportRequest(camera_id="1", span=_span(rec.start + timedelta(seconds=9), 6), format="mkv")
    )
    (file,) = (await client.poll(handle)).files
    whole, _ = await _read(client, handle, file)
    tail, offset = await _read(client, handle, file, 1000)
    assert offset == 1000
    assert tail == whole[1000:]
    assert _sent(sim.state, EXPORT)[-1].headers["range"] == "bytes=1000-"


@pytest.mark.asyncio
async def test_encrypted_export_is_a_zip_and_keeps_no_password(
    sim: RunningSim, http: httpx.AsyncClient, client: Client
) -> None:
    rec = _recordings(sim)[0]
    span = _span(rec.start + timedelta(seconds=21), 5)
    request = ExportRequest(camera_id="1", span=span, format="mkv", options={"password": "pass_1"})
    handle = await client.start_export(request)
    assert "pass_1" not in json.dumps(handle.data)
    assert _sent(sim.state, PROPERTIES)[-1].params["encryptionformat"] == "zip-aes256"
    (file,) = (await client.poll(handle)).files
    assert file.name.endswith(".zip")
    data, offset = await _read(client, handle, file, offset=500)
    assert offset == 0  # a ZIP is encrypted afresh on every request: never resumed
    sent = _sent(sim.state, EXPORT)[-1]
    assert "range" not in sent.headers
    assert (sent.params["password"], sent.params["encryptionformat"]) == ("pass_1", "zip-aes256")
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        (inner,) = archive.namelist()
        with pytest.raises(RuntimeError):
            archive.read(inner)
        archive.setpassword(b"pass_1")
        assert _video(archive.read(inner))[0] == "h264"

    # After a restart (a new client) the password is gone: the export says so instead of going bare.
    restarted = Client(client.config, "demo", http)
    status = await restarted.poll(handle)
    assert status.phase is ExportPhase.FAILED
    assert "give the password" in status.error
    with pytest.raises(ExportLost):
        await _read(restarted, handle, file)
    await client.finish(handle)
    assert (await client.poll(handle)).phase is ExportPhase.FAILED


@pytest.mark.asyncio
async def test_export_refuses_what_it_cannot_honour(sim: RunningSim, client: Client) -> None:
    before, after = _recordings(sim)[:2]
    assert before.stop is not None
    gap = TimeSpan(start=before.stop + timedelta(seconds=1), end=after.start - timedelta(seconds=1))
    with pytest.raises(NotFound, match="Nothing is recorded on camera 1"):
        await client.start_export(ExportRequest(camera_id="1", span=gap, format="mkv"))
    span = _span(after.start + timedelta(seconds=5), 5)
    with pytest.raises(NotFound, match="video sources"):
        await client.start_export(ExportRequest(camera_id="front", span=span, format="mkv"))
    with pytest.raises(InputError, match="exports mkv, not 'mp4'"):
        await client.start_export(ExportRequest(camera_id="1", span=span, format="mp4"))
    with pytest.raises(InputError, match="give it again"):
        await client.start_export(
            ExportRequest(camera_id="1", span=span, format="mkv", options={"password": REDACTED})
        )
    with pytest.raises(InputError, match="give a password"):
        await client.start_export(
            ExportRequest(camera_id="1", span=span, format="mkv", options={"encryptionformat": "zip-aes256"})
        )
    assert _sent(sim.state, PROPERTIES) == []


# --- errors ---------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_failed_export_is_general_error_10(sim: RunningSim, client: Client) -> None:
    rec = _recordings(sim)[0]
    handle = await client.start_export(
        ExportRequest(camera_id="1", span=_span(rec.start + timedelta(seconds=40), 4), format="mkv")
    )
    (file,) = (await client.poll(handle)).files
    sim.state.faults.update(export_fails=1)
    with pytest.raises(VendorError) as caught:
        await _read(client, handle, file)
    assert (caught.value.code, caught.value.vendor_text) == ("10", "Error while processing the request.")
    assert "could not process the request" in str(caught.value)
    assert (await _read(client, handle, file))[0]  # the next try works


@pytest.mark.asyncio
async def test_a_vanished_recording_is_general_error_110(sim: RunningSim, client: Client) -> None:
    rec = _recordings(sim)[0]
    handle = await client.start_export(
        ExportRequest(camera_id="1", span=_span(rec.start + timedelta(seconds=60), 4), format="mkv")
    )
    data = json.loads(json.dumps(handle.data))
    data["parts"][0]["recordingid"] = "20200101_000000_0000_" + model.SERIAL
    gone = ExportHandle(export_ids=handle.export_ids, data=data)
    (file,) = (await client.poll(gone)).files
    with pytest.raises(VendorError, match="storage clean-up may have removed it") as caught:
        await _read(client, gone, file)
    assert caught.value.code == "110"


@pytest.mark.asyncio
async def test_server_faults_are_typed_errors(sim: RunningSim, client: Client) -> None:
    await client.connect()
    sim.state.faults.update(fail_next=1, fail_status=503)
    with pytest.raises(ServerBusy):
        await client.list_cameras()
    assert len(await client.list_cameras()) == 4
    with pytest.raises(ProtocolError, match="could not be read"):
        await client.poll(ExportHandle(export_ids=("x",), data={"parts": "nonsense"}))
    rec = _recordings(sim)[0]
    span = _span(rec.start + timedelta(seconds=80), 4)
    handle = await client.start_export(ExportRequest(camera_id="1", span=span, format="mkv"))
    (file,) = (await client.poll(handle)).files
    sim.state.faults.update(drop_after=1500)
    with pytest.raises(ConnectionFailed, match="was lost"):
        await _read(client, handle, file)


@pytest.mark.parametrize("code", sorted(MEANINGS, key=int))
def test_every_general_error_code_reads_as_a_sentence(code: str) -> None:
    error = vendor_error(code, "Device text.", "properties.cgi", "http://cam")
    assert (error.code, error.vendor_text) == (code, "Device text.")
    assert str(error).startswith(f"The Axis device at http://cam answered error {code}. ")
    assert str(error).endswith(".")
    assert MEANINGS[code] in str(error)


def test_an_unknown_code_keeps_the_device_text() -> None:
    message = str(vendor_error("999", "Something odd", "x.cgi", "http://cam"))
    assert message.endswith('The server said: "Something odd" (code 999).')


def test_a_known_code_keeps_the_device_text_too() -> None:
    """Build item 4: the old message for a known code dropped the device's own description."""
    message = str(vendor_error("110", "Recording not found.", "properties.cgi", "http://cam"))
    assert message.startswith("The Axis device at http://cam answered error 110. The recording was not found")
    assert message.endswith('The server said: "Recording not found." (code 110).')


# --- wire decoding of the documented samples ------------------------------------------------------------
def test_decodes_the_documented_replies() -> None:
    general = (
        b'<?xml version="1.0" encoding="utf-8" ?><ExportRecordingResponse SchemaVersion="1.2">'
        b"<GetJobStatusSuccess>"
        b"<GeneralError><ErrorCode>190</ErrorCode><ErrorDescription>Job not found.</ErrorDescription>"
        b"</GeneralError></GetJobStatusSuccess></ExportRecordingResponse>"
    )
    reply = wire.general_error(general)
    assert reply is not None
    assert (reply.code, reply.description) == ("190", "Job not found.")
    props = wire.decode_properties(
        b'<ExportRecordingResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.1">'
        b'<PropertiesSuccess><ExportProperties RecordingId="20141211_091153_025B_00408CCAD5D78" '
        b'ExportFormat="matroska" EstimatedFileSize="1234" Starttime="2014-12-11T09:45:09Z" '
        b'Stoptime="2014-12-11T10:10:00Z"/></PropertiesSuccess></ExportRecordingResponse>'
    )
    assert props.start == datetime(2014, 12, 11, 9, 45, 9, tzinfo=UTC)
    assert props.estimated_kb == 1234
    listing = wire.decode_recordings(
        b'<root xmlns="urn:x"><recordings totalnumberofrecordings="6" numberofrecordings="3">'
        b'<recording diskid="NetworkShare" recordingid="A" starttime="2011-08-12T08:12:11Z" stoptime="">'
        b'<video source="2"/></recording></recordings></root>'
    )
    assert listing.matched == 3
    (rec,) = listing.recordings
    assert (rec.diskid, rec.stop, rec.source) == ("NetworkShare", None, "2")
    assert wire.source_names(
        wire.decode_params(b"root.ImageSource.NbrOfSources=1\nroot.ImageSource.I0.Name=Camera\n")
    ) == {1: "Camera"}
    with pytest.raises(wire.GeneralErrorReply):
        wire.decode_params(b"# Error: Error -1 getting param in group 'root.Nothing'\n")
    with pytest.raises(ProtocolError):
        wire.decode_recordings(b'<!DOCTYPE x [<!ENTITY a "b">]><root/>')


# --- issue 9 point 13 -----------------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        ("digest-sha256,digest,basic", "SHA-256"),  # AXIS OS's multi-challenge
        ("basic,digest,digest-sha256", "SHA-256"),  # the order does not matter, strength does
        ("basic,digest", "MD5"),
        ("digest-sha256", "SHA-256"),
    ],
)
async def test_a_multi_challenge_is_answered_with_the_strongest_scheme(
    sim: RunningSim, client: Client, offered: str, chosen: str
) -> None:
    sim.state.faults.update(axis_auth=offered)
    await client.connect()
    await client.list_cameras()
    answered = [r for r in sim.state.requests if "authorization" in r.headers]
    assert answered
    assert all(_fields(r)["algorithm"].upper() == chosen for r in answered)
    assert client.auth_scheme == f"Digest {chosen}"
    assert len(sim.state.requests) == len(answered) + 1  # one bare request, then every one answered


@pytest.mark.parametrize(
    ("headers", "label"),
    [
        (
            [
                'Digest realm="a", nonce="n1", algorithm=MD5, qop="auth", '
                'Digest realm="a", nonce="n2", algorithm=SHA-256'
            ],
            "Digest SHA-256",
        ),
        (['Basic realm="a"', 'Digest realm="a", nonce="x, y", qop="auth"'], "Digest MD5"),
        (['Basic realm="a", Digest realm="a", nonce="n", algorithm=SHA-512-256'], "Basic"),  # httpx cannot
        (["Negotiate", "NTLM"], None),
    ],
)
def test_challenges_in_one_or_several_headers_are_ranked(headers: list[str], label: str | None) -> None:
    from vms_desk.vendors.axis.auth import parse_challenges, strongest

    best = strongest(parse_challenges(headers))
    assert (best.label if best else None) == label


@pytest.mark.asyncio
async def test_the_devices_format_list_is_read_and_its_own_name_sent(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    state = SimState(workdir=tmp_path, export_seconds=0.2)
    with SimServer(axis_sim.build(state, export_formats=("matroska", "mp4"))) as server:
        axis = Client(ServerConfig(vendor=Vendor.AXIS, url=server.url, user="demo"), "demo", http)
        caps = await axis.capabilities()
        assert [f.name for f in caps.formats] == ["mkv", "mp4"]
        rec = next(r for r in model.recordings(state, datetime.now(UTC)) if r.camera.index == 1 and r.stop)
        handle = await axis.start_export(
            ExportRequest(camera_id="1", span=_span(rec.start + timedelta(seconds=5), 3), format="mp4")
        )
        status = await axis.poll(handle)
        (remote,) = status.files
        assert remote.name.endswith(".mp4")
        data, _ = await _read(axis, handle, remote)
    assert _sent(state, PROPERTIES)[-1].params["exportformat"] == "mp4"
    assert _sent(state, EXPORT)[-1].params["exportformat"] == "mp4"
    assert _video(data)[0] == "h264"


@pytest.mark.asyncio
async def test_a_general_error_from_capabilities_is_a_failure_with_its_code_and_text(
    tmp_path: Path, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old client took any GeneralError there for "Matroska only" and went on."""
    from starlette.requests import Request
    from starlette.responses import Response

    from vms_desk.sim.axis import export as sim_export

    async def broken(self: object, request: Request) -> Response:
        return sim_export.general_error(40)

    monkeypatch.setattr(sim_export.ExportApi, "capabilities", broken)
    with SimServer(axis_sim.build(SimState(workdir=tmp_path))) as server:
        axis = Client(ServerConfig(vendor=Vendor.AXIS, url=server.url, user="demo"), "demo", http)
        with pytest.raises(VendorError) as caught:
            await axis.capabilities()
    assert caught.value.code == "40"
    assert caught.value.vendor_text == "Specified version is not supported."
    assert str(caught.value).endswith('The server said: "Specified version is not supported." (code 40).')
