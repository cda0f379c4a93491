"""The VDG Sense simulator over real sockets: auth, devices, exports to the server disk, errors, faults."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import av
import httpx
import pytest
from lxml import etree

from vms_desk.core.models import Vendor
from vms_desk.core.times import to_vdg
from vms_desk.sim.registry import RunningSim
from vms_desk.sim.vdg_sense import disk_root, map_server_path
from vms_desk.sim.vdg_sense.commands import COOKIE, FAILURE_TEXT
from vms_desk.sim.vdg_sense.model import SERVER_IDS

DEV1 = (SERVER_IDS[0], "D3A1B2C4-0000-4000-8000-000000000001")
DEV3 = (SERVER_IDS[1], "D3A1B2C4-0000-4000-8000-000000000003")


@pytest.fixture(scope="module")
def shared(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.VDG_SENSE, export_seconds=0.2)


@pytest.fixture
def vdg(shared: RunningSim) -> Iterator[RunningSim]:
    yield shared.reset()
    shared.state.faults.reset()


@pytest.fixture
def web(vdg: RunningSim) -> Iterator[httpx.Client]:
    """A fresh API session (httpx keeps the session cookie)."""
    with httpx.Client(base_url=vdg.url, auth=("demo", "demo"), timeout=10) as client:
        yield client


def _start(seconds: float = 3) -> tuple[datetime, datetime]:
    start = datetime.now(UTC) - timedelta(minutes=10)
    return start, start + timedelta(seconds=seconds)


def _body(
    *devices: tuple[str, str],
    path: str = "D:\\Exports\\case 1",
    span: tuple[datetime, datetime] | None = None,
    bandwidth: str | None = "0",
    times: tuple[str, str] | None = None,
) -> bytes:
    start, end = span or _start()
    root = etree.Element("export")
    holder = etree.SubElement(root, "devices")
    for serverid, deviceid in devices:
        node = etree.SubElement(holder, "device")
        for tag, value in (
            ("serverid", serverid),
            ("deviceid", deviceid),
            ("starttime", times[0] if times else to_vdg(start)),
            ("endtime", times[1] if times else to_vdg(end)),
        ):
            if value is not None:
                etree.SubElement(node, tag).text = value
    etree.SubElement(root, "path").text = path
    if bandwidth is not None:
        etree.SubElement(root, "bandwidth").text = bandwidth
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _xml(reply: httpx.Response) -> etree._Element:
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")
    return etree.fromstring(reply.content)


def _code(reply: httpx.Response) -> int:
    return int(_xml(reply).get("errorcode"))


def _create(web: httpx.Client, body: bytes) -> httpx.Response:
    return web.post("/command", params={"command": "exportVideo"}, content=body)


def _status(web: httpx.Client, export_id: str | None = None) -> etree._Element:
    params = {"command": "getExportVideoStatus", **({"exportid": export_id} if export_id else {})}
    return _xml(web.get("/command", params=params))


def _wait(web: httpx.Client, export_id: str) -> etree._Element:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        export = _status(web, export_id).find("exports/export")
        if export.findtext("status") != "Exporting":
            return export
        time.sleep(0.05)
    raise AssertionError("export did not finish")


# --- auth, info, devices ----------------------------------------------------------------------------
def test_info_needs_no_auth(vdg: RunningSim) -> None:
    root = _xml(httpx.get(vdg.url + "/info"))
    assert root.tag == "apiinfo"
    assert root.findtext("version") == "2.7.3"
    datetime.strptime(root.findtext("utc"), "%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("auth", [None, ("demo", "wrong")])
def test_commands_need_basic_auth(vdg: RunningSim, auth: tuple[str, str] | None) -> None:
    reply = httpx.get(vdg.url + "/command", params={"command": "getDeviceList"}, auth=auth)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_device_list_case_insensitive_sorted_with_ids(web: httpx.Client) -> None:
    root = _xml(web.get("/command", params={"command": "GETDEVICELIST"}))
    assert root.get("errorcode") == "0"
    devices = root.find("devices")
    assert devices.get("count") == "4"
    names = [d.findtext("name") for d in devices]
    assert names == sorted(names, key=str.lower)
    entrance = next(d for d in devices if d.findtext("name") == "Entrance")
    assert (entrance.findtext("serverid"), entrance.findtext("deviceid")) == DEV1
    assert [c.tag for c in entrance] == [
        "name",
        "serverid",
        "deviceid",
        "status",
        "type",
        "brand",
        "location",
        "ptztype",
        "ipaddress",
        "port",
    ]


def test_unknown_command_is_not_implemented(web: httpx.Client) -> None:
    reply = web.get("/command", params={"command": "rebootEverything"})
    assert _code(reply) == -1


# --- export cycle -----------------------------------------------------------------------------------
def test_export_of_two_devices_lands_on_the_server_disk(vdg: RunningSim, web: httpx.Client) -> None:
    span = _start(3)
    body = (
        _body(DEV1, DEV3, span=span, bandwidth="250000")
        .replace(b"<export>", b"<Export>")
        .replace(b"</export>", b"</Export>")
        .replace(b"serverid>", b"ServerID>")
    )
    reply = _create(web, body)
    assert COOKIE in reply.cookies
    assert _xml(reply).findtext("export/exportid") == "1"
    running = _status(web, "1").find("exports/export")
    assert running.findtext("status") == "Exporting"
    assert running.findtext("path") == "D:\\Exports\\case 1"
    assert running.findtext("bandwidth") == "250000"
    assert all(0 <= int(d.findtext("progress")) < 100 for d in running.find("devices"))
    done = _wait(web, "1")
    assert done.findtext("status") == "Completed"
    assert [(d.findtext("progress"), d.findtext("status")) for d in done.find("devices")] == [
        ("100", "Completed"),
        ("100", "Completed"),
    ]
    assert done.find("devices/device").findtext("starttime") == to_vdg(span[0])
    folder = disk_root(vdg.state) / "D" / "Exports" / "case 1"
    assert folder == map_server_path(vdg.state, "d:\\EXPORTS\\Case 1")  # Windows paths fold case
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 2
    assert all(name.endswith(".mkv") for name in files)
    with av.open(io.BytesIO((folder / files[0]).read_bytes())) as media:
        assert media.streams.video[0].codec_context.name == "h264"
        assert abs((media.duration or 0) / 1e6 - 3) < 1.0
    second = _create(web, _body(DEV1, path="/srv/exports/posix"))
    assert _xml(second).findtext("export/exportid") == "2"
    listed = _status(web).find("exports")
    assert listed.get("count") == "2"
    _wait(web, "2")
    assert any((disk_root(vdg.state) / "srv" / "exports" / "posix").iterdir())


def test_ids_restart_at_1_in_a_new_session(vdg: RunningSim, web: httpx.Client) -> None:
    assert _xml(_create(web, _body(DEV1))).findtext("export/exportid") == "1"
    with httpx.Client(base_url=vdg.url, auth=("demo", "demo")) as other:
        assert (
            _code(other.get("/command", params={"command": "getExportVideoStatus", "exportid": "1"})) == -57
        )
        assert _xml(_create(other, _body(DEV3))).findtext("export/exportid") == "1"


def test_unc_path_maps_below_the_disk(vdg: RunningSim) -> None:
    folder = map_server_path(vdg.state, "\\\\nas01\\evidence\\2026\\case 9")
    assert folder == disk_root(vdg.state) / "UNC" / "nas01" / "evidence" / "2026" / "case 9"


def test_delete_removes_a_pending_export(vdg: RunningSim, web: httpx.Client) -> None:
    _create(web, _body(DEV1, path="E:\\deleted"))
    reply = web.delete("/command", params={"command": "exportVideo", "exportid": "1"})
    assert _code(reply) == 0
    assert _code(web.get("/command", params={"command": "getExportVideoStatus", "exportid": "1"})) == -57
    time.sleep(0.4)
    assert list((disk_root(vdg.state) / "E" / "deleted").iterdir()) == []
    assert _code(web.delete("/command", params={"command": "exportVideo"})) == -57


# --- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_body((SERVER_IDS[0], "nope")), -2),
        (_body(DEV1, times=("2026-13-45 99:00:00.000", "2026-01-01 00:00:00.000")), -4),
        (_body(("NO-SUCH-SERVER", DEV1[1])), -17),
        (_body(("", DEV1[1])), -33),
        (_body((DEV1[0], "")), -34),
        (_body(DEV1, times=("2026-01-02 00:00:00.000", "2026-01-01 00:00:00.000")), -37),
        (_body(DEV1, times=("2001-01-01 00:00:00.000", "2001-01-01 00:01:00.000")), -48),
        (_body(DEV1, path="Z:\\Exports"), -58),
        (_body(DEV1, path="relative\\folder"), -58),
        (_body(DEV1, path="F:\\Exports"), -60),
        (_body(DEV1, path="D:\\Exports\\..\\..\\escape"), -61),
        (_body(DEV1, path="D:\\Exports\\bad<name>"), -61),
        (_body(DEV1, bandwidth="fast"), -18),
        (b"<export><devices>", -18),
    ],
)
def test_export_errors_use_the_vendor_codes(web: httpx.Client, body: bytes, code: int) -> None:
    root = _xml(_create(web, body))
    assert int(root.get("errorcode")) == code
    assert root.findtext("description")


def test_unknown_export_id_is_an_error(web: httpx.Client) -> None:
    root = _status(web, "77")
    assert root.get("errorcode") == "-57"
    assert "77" in root.findtext("description")


# --- faults -----------------------------------------------------------------------------------------
def test_latency_fault(vdg: RunningSim, web: httpx.Client) -> None:
    vdg.state.faults.update(latency=0.2)
    began = time.monotonic()
    web.get("/info")
    assert time.monotonic() - began >= 0.2


def test_fail_next_fault(vdg: RunningSim, web: httpx.Client) -> None:
    vdg.state.faults.update(fail_next=1, fail_status=503)
    assert web.get("/command", params={"command": "getDeviceList"}).status_code == 503
    assert _code(web.get("/command", params={"command": "getDeviceList"})) == 0


def test_export_fails_fault_marks_the_device_failed(vdg: RunningSim, web: httpx.Client) -> None:
    vdg.state.faults.update(export_fails=1)
    _create(web, _body(DEV1, DEV3, path="C:\\failing"))
    export = _wait(web, "1")
    assert export.findtext("status") == "Failed"
    first, second = export.find("devices")
    assert first.findtext("status") == "Failed"
    assert first.findtext("description") == FAILURE_TEXT
    assert second.findtext("status") == "Completed"


def test_expire_sessions_loses_the_ids(vdg: RunningSim, web: httpx.Client) -> None:
    _create(web, _body(DEV1))
    old_cookie = web.cookies[COOKIE]
    vdg.state.faults.update(expire_sessions=True)
    reply = web.get("/command", params={"command": "getExportVideoStatus", "exportid": "1"})
    assert _code(reply) == -57
    assert reply.cookies[COOKIE] != old_cookie  # a new session began
    assert _xml(_create(web, _body(DEV1))).findtext("export/exportid") == "1"


def test_drop_fault_does_not_apply(vdg: RunningSim, web: httpx.Client) -> None:
    """VDG has no download over the API, so the drop fault stays armed for a later download."""
    vdg.state.faults.update(drop_after=10)
    assert _code(web.get("/command", params={"command": "getDeviceList"})) == 0
    assert vdg.state.faults.drop_after == 10


# --- the documented AuthenticateUserDigest login (issue 9 point 1) ----------------------------------
def _login(nonce: str = "AR5chsWVZagPfMpB", password: str = "demo", skew: timedelta = timedelta(0)) -> bytes:
    stamp = (datetime.now(UTC) + skew).strftime("%Y-%m-%d %H:%M:%S")
    digest = hashlib.sha1((nonce + stamp + password).encode(), usedforsecurity=False).hexdigest()
    return (
        "<?xml version='1.0'?><AuthenticateUserDigest><username>demo</username>"
        f"<nonce>{nonce}</nonce><timestamp>{stamp}</timestamp><digest>{digest}</digest>"
        "</AuthenticateUserDigest>"
    ).encode()


def test_digest_login_opens_a_session_that_command_takes_without_credentials(vdg: RunningSim) -> None:
    with httpx.Client(base_url=vdg.url, timeout=10) as bare:
        assert bare.get("/command", params={"command": "getDeviceList"}).status_code == 401
        reply = bare.post("/webservice", content=_login())
        assert reply.status_code == 200
        assert etree.fromstring(reply.content).get("errorcode") == "0"
        assert COOKIE in reply.cookies
        listed = bare.get("/command", params={"command": "getDeviceList"})
        assert listed.status_code == 200
        assert etree.fromstring(listed.content).get("errorcode") == "0"


@pytest.mark.parametrize(
    ("make", "why"),
    [
        # Built when the test runs, not at collection: the timestamp must be near the server's clock.
        (lambda: _login(password="wrong"), "invalid username or digest"),
        (lambda: _login(skew=timedelta(minutes=30)), "timestamp is too far"),
        (lambda: _login(nonce=""), "no nonce"),
        (lambda: b"<other/>", "expected an AuthenticateUserDigest"),
    ],
)
def test_a_wrong_digest_login_is_refused_with_the_servers_words(
    vdg: RunningSim, make: Callable[[], bytes], why: str
) -> None:
    with httpx.Client(base_url=vdg.url, timeout=10) as bare:
        reply = bare.post("/webservice", content=make())
    assert reply.status_code == 401
    root = etree.fromstring(reply.content)
    assert root.get("errorcode") == "-18"
    assert why in (root.findtext("description") or "")


def test_login_switches_digest_only_and_basic_only(vdg: RunningSim, web: httpx.Client) -> None:
    vdg.state.faults.update(vdg_login="digest-only")
    refused = web.get("/command", params={"command": "getDeviceList"})
    assert refused.status_code == 401
    assert "www-authenticate" not in refused.headers
    vdg.state.faults.update(vdg_login="basic-only")
    with httpx.Client(base_url=vdg.url, timeout=10) as bare:
        assert bare.post("/webservice", content=_login()).status_code == 404
    assert web.get("/command", params={"command": "getDeviceList"}).status_code == 200


def test_a_stalled_export_never_advances(vdg: RunningSim, web: httpx.Client) -> None:
    vdg.state.faults.update(stall_exports=True)
    created = web.post("/command", params={"command": "exportVideo"}, content=_body(DEV1))
    ident = etree.fromstring(created.content).findtext("export/exportid")
    seen = set()
    for _ in range(3):
        time.sleep(0.25)
        status = etree.fromstring(
            web.get("/command", params={"command": "getExportVideoStatus", "exportid": ident}).content
        )
        seen.add(
            (
                status.findtext("exports/export/devices/device/progress"),
                status.findtext("exports/export/status"),
            )
        )
    assert seen == {("10", "Exporting")}
