"""The Axis VAPIX edge-storage simulator over real sockets: auth, lists, key frames, exports, faults."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import av
import httpx
import pytest
import pyzipper
from lxml import etree

from vms_desk.core.models import Vendor
from vms_desk.core.times import from_iso, to_axis
from vms_desk.sim import axis as axis_sim
from vms_desk.sim.axis import auth as sim_auth
from vms_desk.sim.axis import model
from vms_desk.sim.base import SimServer, SimState
from vms_desk.sim.registry import RunningSim

LIST = "/axis-cgi/record/list.cgi"
PROPERTIES = "/axis-cgi/record/export/properties.cgi"
EXPORT = "/axis-cgi/record/export/exportrecording.cgi"


@pytest.fixture(scope="module")
def shared_sim(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.AXIS, export_seconds=0.3)


@pytest.fixture
def sim(shared_sim: RunningSim) -> Iterator[RunningSim]:
    """The shared simulator with every fault switched off before and after the test."""
    yield shared_sim.reset()
    shared_sim.state.faults.reset()


def _auth() -> httpx.DigestAuth:
    """A fresh Digest auth: every request then makes the full challenge round trip."""
    return httpx.DigestAuth("demo", "demo")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _challenge(response: httpx.Response) -> dict[str, str]:
    header = next(h for h in response.headers.get_list("www-authenticate") if h.startswith("Digest "))
    return parse_keqv_list(parse_http_list(header[len("Digest ") :]))


def _digest(method: str, uri: str, challenge: dict[str, str], *, password: str = "demo", nc: int = 1) -> str:
    """An RFC 7616 Authorization header computed here, independently of httpx."""
    realm, nonce, cnonce = challenge["realm"], challenge["nonce"], "0a4f113b"
    ha1, ha2 = _md5(f"demo:{realm}:{password}"), _md5(f"{method}:{uri}")
    answer = _md5(f"{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="demo", realm="{realm}", nonce="{nonce}", uri="{uri}", qop=auth, '
        f'nc={nc:08x}, cnonce="{cnonce}", response="{answer}", algorithm=MD5'
    )


def _recordings(sim: RunningSim, camera: int = 1) -> list[model.SimRecording]:
    return [r for r in model.recordings(sim.state, datetime.now(UTC)) if r.camera.index == camera]


def _completed(sim: RunningSim) -> model.SimRecording:
    return next(r for r in _recordings(sim) if r.stop is not None)


def _xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def _error_code(response: httpx.Response) -> int | None:
    found = _xml(response).find("GeneralError/ErrorCode")
    return None if found is None else int(found.text or "0")


async def _get(http: httpx.AsyncClient, sim: RunningSim, path: str, **params: Any) -> httpx.Response:
    return await http.get(sim.url + path, params=params, auth=_auth())


def _export_params(rec: model.SimRecording, start: datetime, stop: datetime, **extra: str) -> dict[str, str]:
    return {
        "schemaversion": "1",
        "recordingid": rec.recordingid,
        "diskid": rec.diskid,
        "exportformat": "matroska",
        "starttime": to_axis(start),
        "stoptime": to_axis(stop),
        **extra,
    }


def _video(data: bytes) -> tuple[str, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, (container.duration or 0) / 1_000_000


# --- authentication ------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_digest_challenge_then_accepts_the_right_answer(
    sim: RunningSim, http: httpx.AsyncClient
) -> None:
    uri = "/axis-cgi/disks/list.cgi?diskid=all"
    bare = await http.get(sim.url + uri)
    assert bare.status_code == 401
    challenge = _challenge(bare)
    assert challenge["realm"] == model.REALM
    assert challenge["qop"] == "auth"
    assert challenge["algorithm"] == "MD5"
    assert "stale" not in challenge

    wrong = await http.get(
        sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge, password="x")}
    )
    assert wrong.status_code == 401
    assert "stale" not in _challenge(wrong)

    ok = await http.get(sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge)})
    assert ok.status_code == 200
    assert _xml(ok).find("disks/disk").get("diskid") == "SD_DISK"

    # The same nonce count again is a replay; the next count is fine.
    replay = await http.get(sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge)})
    assert replay.status_code == 401
    later = await http.get(sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge, nc=2)})
    assert later.status_code == 200


@pytest.mark.asyncio
async def test_digest_answer_for_another_uri_is_refused(sim: RunningSim, http: httpx.AsyncClient) -> None:
    uri = "/axis-cgi/disks/list.cgi?diskid=all"
    challenge = _challenge(await http.get(sim.url + uri))
    header = _digest("GET", "/axis-cgi/disks/list.cgi?diskid=SD_DISK", challenge)
    assert (await http.get(sim.url + uri, headers={"Authorization": header})).status_code == 401


@pytest.mark.asyncio
async def test_wrong_password_with_httpx_digest_gets_401(sim: RunningSim, http: httpx.AsyncClient) -> None:
    response = await http.get(
        sim.url + LIST, params={"recordingid": "all"}, auth=httpx.DigestAuth("demo", "no")
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Digest ")
    assert (await http.get(sim.url + LIST, params={"recordingid": "all"}, auth=_auth())).status_code == 200


@pytest.mark.asyncio
async def test_expire_sessions_makes_the_nonce_stale(sim: RunningSim, http: httpx.AsyncClient) -> None:
    uri = "/axis-cgi/disks/list.cgi?diskid=all"
    challenge = _challenge(await http.get(sim.url + uri))
    assert (
        await http.get(sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge)})
    ).status_code == 200
    sim.state.faults.update(expire_sessions=True)
    stale = await http.get(sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge, nc=2)})
    assert stale.status_code == 401
    assert _challenge(stale)["stale"] == "true"
    assert _challenge(stale)["nonce"] != challenge["nonce"]
    # A wrong password on an unknown nonce is not "stale": it is simply refused.
    sim.state.faults.update(expire_sessions=True)
    bad = await http.get(
        sim.url + uri, headers={"Authorization": _digest("GET", uri, challenge, password="x")}
    )
    assert "stale" not in _challenge(bad)


@pytest.mark.asyncio
async def test_basic_only_when_configured(tmp_path: Path, http: httpx.AsyncClient) -> None:
    state = SimState(workdir=tmp_path, export_seconds=0.3)
    with SimServer(axis_sim.build(state, auth_schemes=("basic",))) as server:
        bare = await http.get(server.url + LIST, params={"recordingid": "all"})
        assert bare.status_code == 401
        assert bare.headers.get_list("www-authenticate") == [f'Basic realm="{model.REALM}"']
        wrong = await http.get(server.url + LIST, params={"recordingid": "all"}, auth=("demo", "x"))
        assert wrong.status_code == 401
        ok = await http.get(server.url + LIST, params={"recordingid": "all"}, auth=("demo", "demo"))
        assert ok.status_code == 200
        # Digest is not offered, so a Digest answer is not accepted either.
        assert (
            await http.get(server.url + LIST, params={"recordingid": "all"}, auth=_auth())
        ).status_code == 401


def test_auth_schemes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sim_auth.ENV_SCHEMES, raising=False)
    assert sim_auth.schemes_from_env() == ("digest",)
    monkeypatch.setenv(sim_auth.ENV_SCHEMES, "Digest, basic")
    assert sim_auth.schemes_from_env() == ("digest", "basic")
    monkeypatch.setenv(sim_auth.ENV_SCHEMES, "ntlm")
    with pytest.raises(ValueError, match="digest-sha256, digest, basic"):
        sim_auth.schemes_from_env()


# --- device, parameters, disks ---------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_device_info_params_and_disks(sim: RunningSim, http: httpx.AsyncClient) -> None:
    info = await http.post(
        sim.url + "/axis-cgi/basicdeviceinfo.cgi",
        json={"apiVersion": "1.0", "method": "getAllProperties"},
        auth=_auth(),
    )
    props = info.json()["data"]["propertyList"]
    assert props["SerialNumber"] == model.SERIAL
    assert props["ProdFullName"] == "AXIS F9114 Main Unit"
    unknown = await http.post(
        sim.url + "/axis-cgi/basicdeviceinfo.cgi", json={"method": "nope"}, auth=_auth()
    )
    assert unknown.json()["error"]["code"] == 2002

    params = await _get(http, sim, "/axis-cgi/param.cgi", action="list", group="root.ImageSource")
    lines = params.text.splitlines()
    assert "root.ImageSource.NbrOfSources=4" in lines
    assert "root.ImageSource.I0.Name=Entrance" in lines
    posted = await http.post(
        sim.url + "/axis-cgi/param.cgi", data={"action": "list", "group": "Brand"}, auth=_auth()
    )
    assert "root.Brand.ProdNbr=F9114" in posted.text.splitlines()
    missing = await _get(http, sim, "/axis-cgi/param.cgi", action="list", group="root.Nothing")
    assert missing.text.startswith("# Error:")

    disks = _xml(await _get(http, sim, "/axis-cgi/disks/list.cgi", diskid="all")).find("disks")
    assert disks.get("numberofdisks") == "1"
    assert disks[0].get("diskid") == "SD_DISK"
    assert disks[0].get("full") == "no"
    none = _xml(await _get(http, sim, "/axis-cgi/disks/list.cgi", diskid="NetworkShare")).find("disks")
    assert none.get("numberofdisks") == "0"


# --- record/list.cgi -------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_list_filters_by_overlap_source_and_order(sim: RunningSim, http: httpx.AsyncClient) -> None:
    recs = _recordings(sim, 1)
    before, after = recs[0], recs[1]  # the first gap lies between them
    assert before.stop is not None
    start, stop = before.stop - timedelta(seconds=30), after.start + timedelta(seconds=30)

    root = _xml(await _get(http, sim, LIST, starttime=to_axis(start), stoptime=to_axis(stop), source="1"))
    found = root.find("recordings")
    assert [r.get("recordingid") for r in found] == [after.recordingid, before.recordingid]  # descending
    assert found.get("numberofrecordings") == "2"
    assert int(found.get("totalnumberofrecordings")) == len(model.recordings(sim.state, datetime.now(UTC)))
    first = found[1]
    assert from_iso(first.get("starttime")) == before.start
    assert from_iso(first.get("stoptime")) == before.stop
    assert first.get("recordingstatus") == "completed"
    assert first.find("video").get("mimetype") == "video/x-h264"
    assert first.find("video").get("resolution") == "320x180"

    ascending = _xml(
        await _get(
            http,
            sim,
            LIST,
            starttime=to_axis(start),
            stoptime=to_axis(stop),
            source="1",
            sortorder="ascending",
        )
    ).find("recordings")
    assert [r.get("recordingid") for r in ascending] == [before.recordingid, after.recordingid]

    # Inside the gap nothing is recorded; every source together has more recordings than one.
    gap = _xml(
        await _get(
            http,
            sim,
            LIST,
            starttime=to_axis(before.stop + timedelta(seconds=1)),
            stoptime=to_axis(after.start - timedelta(seconds=1)),
            source="1",
        )
    )
    assert len(gap.find("recordings")) == 0
    every = _xml(await _get(http, sim, LIST, starttime=to_axis(start), stoptime=to_axis(stop))).find(
        "recordings"
    )
    assert {r.get("source") for r in every} >= {"1"}
    limited = _xml(await _get(http, sim, LIST, recordingid="all", maxnumberofresults="1")).find("recordings")
    assert len(limited) == 1
    assert int(limited.get("numberofrecordings")) > 1
    paged = _xml(
        await _get(http, sim, LIST, recordingid="all", startatresultnumber="1", maxnumberofresults="1")
    )
    assert paged.find("recordings")[0].get("recordingid") != limited[0].get("recordingid")


@pytest.mark.asyncio
async def test_list_shows_the_ongoing_recording(sim: RunningSim, http: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    root = _xml(await _get(http, sim, LIST, starttime=to_axis(now - timedelta(seconds=20)), source="2"))
    (ongoing,) = root.find("recordings")
    assert ongoing.get("recordingstatus") == "recording"
    assert ongoing.get("stoptime") == ""
    assert ongoing.get("source") == "2"
    by_id = _xml(await _get(http, sim, LIST, recordingid=ongoing.get("recordingid")))
    assert len(by_id.find("recordings")) == 1
    events = _xml(await _get(http, sim, LIST, listentity="eventid"))
    assert [e.text for e in events.find("eventids")] == ["continuous"]


@pytest.mark.asyncio
async def test_list_needs_a_recording_or_a_time(sim: RunningSim, http: httpx.AsyncClient) -> None:
    assert (await _get(http, sim, LIST)).status_code == 400
    assert (await _get(http, sim, LIST, starttime="yesterday")).status_code == 400


# --- export API ------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_schema_versions_and_capabilities(sim: RunningSim, http: httpx.AsyncClient) -> None:
    versions = _xml(await _get(http, sim, "/axis-cgi/record/export/schemaversions.cgi"))
    assert [v.text for v in versions.iter("VersionNumber")] == ["1.0", "1.1", "1.2"]
    caps = _xml(await _get(http, sim, "/axis-cgi/record/export/capabilities.cgi", schemaversion="1"))
    assert caps.find("CapabilitiesSuccess/ExportCapabilities").get("ExportFormat") == "matroska"
    assert caps.find(".//ExportEncryption").get("EncryptionFormat") == "zip-aes256"
    assert _error_code(await _get(http, sim, "/axis-cgi/record/export/capabilities.cgi")) == 20
    assert (
        _error_code(await _get(http, sim, "/axis-cgi/record/export/capabilities.cgi", schemaversion="2"))
        == 40
    )


@pytest.mark.asyncio
async def test_properties_snaps_the_start_back_to_a_key_frame(
    sim: RunningSim, http: httpx.AsyncClient
) -> None:
    rec = _completed(sim)
    start, stop = rec.start + timedelta(seconds=7.5), rec.start + timedelta(seconds=20)
    params = _export_params(rec, start, stop)
    props = _xml(await _get(http, sim, PROPERTIES, **params)).find("PropertiesSuccess/ExportProperties")
    assert props.get("RecordingId") == rec.recordingid
    assert props.get("ExportFormat") == "matroska"
    assert from_iso(props.get("Starttime")) == rec.start + timedelta(seconds=6)
    assert from_iso(props.get("Stoptime")) == stop
    assert int(props.get("EstimatedFileSize")) > 0
    assert props.get("EncryptionFormat") is None
    on_a_key_frame = _export_params(
        rec, rec.start + timedelta(seconds=8), stop, encryptionformat="zip-aes256"
    )
    props = _xml(await _get(http, sim, PROPERTIES, **on_a_key_frame)).find(".//ExportProperties")
    assert from_iso(props.get("Starttime")) == rec.start + timedelta(seconds=8)
    assert props.get("EncryptionFormat") == "zip-aes256"
    # Beyond the recording's edges the device answers with the recording's own start and stop.
    assert rec.stop is not None
    whole = _export_params(rec, rec.start - timedelta(minutes=5), rec.stop + timedelta(minutes=5))
    props = _xml(await _get(http, sim, PROPERTIES, **whole)).find(".//ExportProperties")
    assert (from_iso(props.get("Starttime")), from_iso(props.get("Stoptime"))) == (rec.start, rec.stop)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"schemaversion": ""}, 20),
        ({"diskid": ""}, 20),
        ({"schemaversion": "2"}, 40),
        ({"recordingid": "20200101_000000_0000_X"}, 110),
        ({"diskid": "NetworkShare"}, 110),
        ({"starttime": "yesterday"}, 120),
        ({"stoptime": "2026-13-45T99:00:00Z"}, 130),
        ({"starttime": "+40s", "stoptime": "+30s"}, 140),
        ({"starttime": "+1d", "stoptime": "+2d"}, 150),
        ({"starttime": "-2d", "stoptime": "-1d"}, 160),
        ({"exportformat": "mp4"}, 170),
        ({"encryptionformat": "rot13"}, 250),
    ],
)
async def test_properties_errors_are_general_errors(
    sim: RunningSim, http: httpx.AsyncClient, change: dict[str, str], code: int
) -> None:
    rec = _completed(sim)
    assert rec.stop is not None
    offsets = {
        "+40s": rec.start + timedelta(seconds=40),
        "+30s": rec.start + timedelta(seconds=30),
        "+1d": rec.stop + timedelta(days=1),
        "+2d": rec.stop + timedelta(days=2),
        "-2d": rec.start - timedelta(days=2),
        "-1d": rec.start - timedelta(days=1),
    }
    params = _export_params(rec, rec.start, rec.start + timedelta(seconds=60))
    params.update({k: to_axis(offsets[v]) if v in offsets else v for k, v in change.items()})
    response = await _get(http, sim, PROPERTIES, **{k: v for k, v in params.items() if v})
    assert response.headers["content-type"].startswith("text/xml")
    assert _error_code(response) == code
    assert _xml(response).findtext("GeneralError/ErrorDescription")


@pytest.mark.asyncio
async def test_export_is_a_decodable_mkv_from_the_key_frame(sim: RunningSim, http: httpx.AsyncClient) -> None:
    rec = _completed(sim)
    start, stop = rec.start + timedelta(seconds=3), rec.start + timedelta(seconds=11)
    response = await _get(http, sim, EXPORT, **_export_params(rec, start, stop))
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/x-matroska"
    key_frame = rec.start + timedelta(seconds=2)
    name = f"{key_frame:%Y%m%d_%H%M%S}_{stop:%Y%m%d_%H%M%S}.mkv"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert int(response.headers["content-length"]) == len(response.content)
    codec, duration = _video(response.content)
    assert codec == "h264"
    assert abs(duration - (stop - key_frame).total_seconds()) < 1.0

    named = await _get(http, sim, EXPORT, **_export_params(rec, start, stop, filename="../../evidence.mkv"))
    assert named.headers["content-disposition"] == 'attachment; filename="evidence.mkv"'
    missing_format = _export_params(rec, start, stop)
    del missing_format["exportformat"]
    assert _error_code(await _get(http, sim, EXPORT, **missing_format)) == 20
    assert _error_code(await _get(http, sim, EXPORT, **_export_params(rec, stop, start))) == 140


@pytest.mark.asyncio
async def test_export_with_password_is_an_aes_zip(sim: RunningSim, http: httpx.AsyncClient) -> None:
    rec = _completed(sim)
    start, stop = rec.start + timedelta(seconds=4), rec.start + timedelta(seconds=9)
    params = _export_params(rec, start, stop, password="pass_1", encryptionformat="zip-aes256")
    response = await _get(http, sim, EXPORT, **params)
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith('.zip"')
    assert len(disposition) == len('attachment; filename="XXXXXX.zip"')
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as archive:
        (inner,) = archive.infolist()
        assert inner.filename == f"{start:%Y%m%d_%H%M%S}_{stop:%Y%m%d_%H%M%S}.mkv"
        with pytest.raises(RuntimeError):
            archive.read(inner.filename)  # no password
        archive.setpassword(b"wrong")
        with pytest.raises(RuntimeError):
            archive.read(inner.filename)
        archive.setpassword(b"pass_1")
        assert _video(archive.read(inner.filename))[0] == "h264"
    with zipfile.ZipFile(io.BytesIO(response.content)) as plain, pytest.raises(NotImplementedError):
        plain.read(inner.filename, pwd=b"pass_1")  # AES (WinZip method 99), not the weak ZipCrypto

    named = await _get(http, sim, EXPORT, **params, filename="case_17")
    assert named.headers["content-disposition"] == 'attachment; filename="case_17.zip"'
    without_format = _export_params(rec, start, stop, password="pass_1")
    assert _error_code(await _get(http, sim, EXPORT, **without_format)) == 20
    without_password = _export_params(rec, start, stop, encryptionformat="zip-aes256")
    assert _error_code(await _get(http, sim, EXPORT, **without_password)) == 20


@pytest.mark.asyncio
async def test_range_request_resumes_the_same_file(sim: RunningSim, http: httpx.AsyncClient) -> None:
    rec = _completed(sim)
    for extra in ({}, {"password": "pass_1", "encryptionformat": "zip-aes256"}):
        params = _export_params(rec, rec.start, rec.start + timedelta(seconds=6), **extra)
        whole = await _get(http, sim, EXPORT, **params)
        size = len(whole.content)
        tail = await http.get(sim.url + EXPORT, params=params, auth=_auth(), headers={"Range": "bytes=1000-"})
        assert tail.status_code == 206
        assert tail.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
        assert tail.content == whole.content[1000:]


# --- faults ----------------------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_faults_latency_failures_drops_and_export_failures(
    sim: RunningSim, http: httpx.AsyncClient
) -> None:
    rec = _completed(sim)
    params = _export_params(rec, rec.start, rec.start + timedelta(seconds=4))

    sim.state.faults.update(latency=0.3)
    began = time.monotonic()
    assert (await _get(http, sim, LIST, recordingid="all")).status_code == 200
    assert time.monotonic() - began >= 0.6  # two round trips (challenge, answer), each delayed
    sim.state.faults.update(latency=0.0, fail_next=1, fail_status=503)
    assert (await _get(http, sim, LIST, recordingid="all")).status_code == 503
    assert (await _get(http, sim, LIST, recordingid="all")).status_code == 200

    sim.state.faults.update(drop_after=2000)
    received = bytearray()

    async def download() -> None:
        async with http.stream("GET", sim.url + EXPORT, params=params, auth=_auth()) as response:
            async for chunk in response.aiter_bytes():
                received.extend(chunk)

    with pytest.raises(httpx.HTTPError):
        await download()
    assert len(received) <= 2000
    assert (await _get(http, sim, EXPORT, **params)).headers["content-type"] == "video/x-matroska"

    sim.state.faults.update(export_fails=1)
    failed = await _get(http, sim, EXPORT, **params)
    assert failed.headers["content-type"].startswith("text/xml")
    assert _error_code(failed) == 10
    assert _xml(failed).findtext("GeneralError/ErrorDescription") == "Error while processing the request."
    assert (await _get(http, sim, EXPORT, **params)).headers["content-type"] == "video/x-matroska"


def test_the_axis_auth_switch_offers_the_multi_challenge_and_checks_sha256(sim: RunningSim) -> None:
    sim.state.faults.update(axis_auth="digest-sha256,digest,basic")
    bare = httpx.get(sim.url + "/axis-cgi/disks/list.cgi", timeout=10)
    assert bare.status_code == 401
    offered = bare.headers.get_list("www-authenticate")
    assert [h.split(",")[0] for h in offered] == [f'Digest realm="{model.REALM}"'] * 2 + [
        f'Basic realm="{model.REALM}"'
    ]
    assert "algorithm=SHA-256" in offered[0]
    assert "algorithm=MD5" in offered[1]
    only_sha = offered[0]
    auth = httpx.DigestAuth("demo", "demo")
    flow = auth.auth_flow(bare.request)
    next(flow)
    answer = flow.send(httpx.Response(401, headers={"www-authenticate": only_sha}, request=bare.request))
    assert "algorithm=SHA-256" in answer.headers["authorization"]
    done = httpx.get(
        sim.url + "/axis-cgi/disks/list.cgi", headers={"authorization": answer.headers["authorization"]}
    )
    assert done.status_code == 200
