"""The Axxon One simulator over real sockets: auth (Basic and Bearer), paging, intervals, export cycle,
Range, deletion, every fault switch, and real media (PyAV / Pillow decode)."""

from __future__ import annotations

import io
import itertools
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from vms_desk.core.models import Vendor
from vms_desk.sim.archive import Archive, SimCamera
from vms_desk.sim.axxon_one import build
from vms_desk.sim.axxon_one.exports import FAILURE_TEXT, KEYFRAME_TEXT
from vms_desk.sim.axxon_one.producer import MAX_FRAMES, _plan
from vms_desk.sim.base import SimServer, SimState
from vms_desk.sim.exports import SimExport
from vms_desk.sim.registry import RunningSim

AUTH = "axxonsoft.bl.auth.AuthenticationService."
CAM1 = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
AXXON_TIME = re.compile(r"^\d{8}T\d{6}\.\d{6}$")
Start = Callable[..., tuple[httpx.Client, SimState]]


def t(value: datetime) -> str:
    """Axxon URL time."""
    return value.strftime("%Y%m%dT%H%M%S")


class Sims:
    """Starts simulators on free loopback ports and stops them all at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.servers: list[SimServer] = []
        self.clients: list[httpx.Client] = []

    def start(self, state: SimState | None = None, **switches: Any) -> tuple[httpx.Client, SimState]:
        """(Basic-authenticated client, state) of a fresh simulator built with `switches`."""
        state = state or SimState(export_seconds=0.3)
        state.workdir = self.folder / f"sim{len(self.servers)}"
        state.workdir.mkdir()
        server = SimServer(build(state, **switches)).start()
        self.servers.append(server)
        # Basic as a default header, so a per-request Bearer header replaces it (httpx auth would not).
        basic = httpx.BasicAuth("demo", "demo")._auth_header
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": basic}, timeout=10, trust_env=False
        )
        self.clients.append(client)
        return client, state

    def close(self) -> None:
        """Stop everything."""
        for client in self.clients:
            client.close()
        for server in self.servers:
            server.stop()


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sims]:
    """Simulators shared by the module (stopping one takes a tenth of a second)."""
    running = Sims(tmp_path_factory.mktemp("axxon-sim"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def shared(sims: Sims) -> tuple[httpx.Client, SimState]:
    """One default simulator for the tests that need no special switches."""
    return sims.start()


@pytest.fixture
def start(sims: Sims, shared: tuple[httpx.Client, SimState]) -> Iterator[Start]:
    """start() -> the shared default simulator (faults reset); start(**switches) -> a fresh one."""

    def _start(state: SimState | None = None, **switches: Any) -> tuple[httpx.Client, SimState]:
        if state is None and not switches:
            return shared
        return sims.start(state, **switches)

    yield _start
    shared[1].faults.reset()


def token(client: httpx.Client, password: str = "demo") -> dict[str, Any]:
    """AuthenticateEx through /grpc (Basic-authenticated, as documented)."""
    body = {"method": AUTH + "AuthenticateEx", "data": {"user_name": "demo", "password": password}}
    reply = client.post("/grpc", json=body)
    assert reply.status_code == 200
    return dict(reply.json())


def bearer(value: str) -> dict[str, str]:
    """An Authorization header for a token (sent instead of the client's Basic auth)."""
    return {"Authorization": f"Bearer {value}"}


def wait_done(client: httpx.Client, location: str, **kw: Any) -> dict[str, Any]:
    """Poll status until it leaves states 0/1; returns the last status body."""
    seen = set()
    for _ in range(100):
        body = dict(client.get(f"{location}/status", **kw).json())
        seen.add(body["state"])
        if body["state"] not in (0, 1):
            body["seen"] = seen
            return body
        assert 0.0 <= body["progress"] <= 1.0
        time.sleep(0.05)
    raise AssertionError("export never finished")


def export(client: httpx.Client, begin: datetime, end: datetime, **body: Any) -> httpx.Response:
    """POST an archive export of camera 1."""
    return client.post(f"/export/archive/{CAM1}/{t(begin)}/{t(end)}?waittimeout=30000", json=body)


def decode_video(data: bytes) -> tuple[str, str, float]:
    """(container format, codec, duration in s) by decoding every frame."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        assert frames
        return container.format.name, stream.codec_context.name, (container.duration or 0) / 1e6


RECENT = datetime.now(UTC) - timedelta(minutes=10)


def test_basic_auth_accepted_and_refused(start: Start) -> None:
    client, _ = start()
    assert client.get("/camera/list").status_code == 200
    wrong = client.get("/camera/list", auth=("demo", "nope"))
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    assert httpx.get(str(client.base_url) + "/camera/list").status_code == 401
    assert client.get("/camera/list", headers={"Authorization": "Basic !!notbase64"}).status_code == 401


def test_bearer_token_renew_and_close(start: Start) -> None:
    client, _ = start()
    reply = token(client)
    assert reply["error_code"] == "AUTHENTICATE_CODE_OK"
    assert reply["token_name"] == "auth_token"
    assert re.match(r"^\d{8}T\d{6}$", reply["expires_at"])
    first = reply["token_value"]
    anonymous = httpx.Client(base_url=client.base_url, trust_env=False)
    assert anonymous.get("/camera/list", headers=bearer(first)).status_code == 200
    assert anonymous.get("/camera/list", headers=bearer("forged")).status_code == 401
    # AuthenticateEx itself must be Basic-authenticated; wrong data credentials get a refusal code.
    assert anonymous.post("/grpc", json={"method": AUTH + "AuthenticateEx", "data": {}}).status_code == 401
    assert token(client, password="wrong")["error_code"] != "AUTHENTICATE_CODE_OK"
    renew = anonymous.post("/grpc", json={"method": AUTH + "RenewSession", "data": {}}, headers=bearer(first))
    second = renew.json()["token_value"]
    assert renew.json()["error_code"] == "AUTHENTICATE_CODE_OK"
    assert second != first
    assert anonymous.get("/camera/list", headers=bearer(first)).status_code == 401
    close = anonymous.post(
        "/grpc", json={"method": AUTH + "CloseSession", "data": {}}, headers=bearer(second)
    )
    assert close.json() == {"error_code": "OK"}
    assert anonymous.get("/camera/list", headers=bearer(second)).status_code == 401
    # RenewSession needs a token, not Basic; unknown gRPC services are not simulated.
    assert client.post("/grpc", json={"method": AUTH + "RenewSession", "data": {}}).status_code == 401
    assert client.post("/grpc", json={"method": "axxonsoft.bl.x.Y", "data": {}}).status_code == 501
    assert client.post("/grpc", content=b"not json").status_code == 400
    anonymous.close()


def test_legacy_paths_refuse_basic_when_switched(start: Start) -> None:
    client, _ = start(basic_legacy_401=True)
    path = f"/archive/contents/intervals/{CAM1}/future/past"
    assert client.get(path).status_code == 401
    assert client.get("/product/version").status_code == 401
    assert client.get("/camera/list").status_code == 200  # only the legacy paths
    value = token(client)["token_value"]
    assert client.get(path, headers=bearer(value)).status_code == 200
    assert client.get("/product/version", headers=bearer(value)).json()["version"].startswith("Axxon One")
    # Switched at run time through the admin route, as a test in another process would.
    switched = client.post("/_sim/axxon-one", json={"basic_camera_list_401": True})
    assert switched.json()["basic_camera_list_401"] is True
    assert client.get("/camera/list").status_code == 401
    assert client.post("/_sim/axxon-one", json={"nonsense": 1}).status_code == 400


def test_camera_list_pages_with_next_page_token(start: Start) -> None:
    client, state = start()
    first = client.get("/camera/list", params={"limit": 3}).json()
    assert [c["displayName"] for c in first["cameras"]] == [c.name for c in state.archive.cameras[:3]]
    assert first["cameras"][0]["accessPoint"] == f"hosts/{CAM1}"
    assert first["cameras"][0]["displayId"] == "1"
    assert first["cameras"][0]["archives"][0]["storage"].startswith("hosts/Server1/")
    rest = client.get("/camera/list", params={"limit": 3, "next_page": first["nextPageToken"]}).json()
    assert [c["displayId"] for c in rest["cameras"]] == ["4"]
    assert "nextPageToken" not in rest
    filtered = client.get("/camera/list", params={"filter": f"hosts/{CAM1}"}).json()
    assert [c["displayId"] for c in filtered["cameras"]] == ["1"]
    assert client.get("/camera/list", params={"limit": "x"}).status_code == 400


def test_intervals_order_words_limit_and_more(start: Start) -> None:
    client, state = start()
    base = f"/archive/contents/intervals/{CAM1}"
    expected = state.archive.spans(1, state.archive.begin, datetime.now(UTC))
    assert len(expected) >= 3  # the archive has gaps
    ascending = client.get(f"{base}/future/past").json()  # ENDTIME=future > BEGINTIME=past
    assert isinstance(ascending["result"], int)
    assert ascending["more"] is False
    begins = [i["begin"] for i in ascending["intervals"]]
    assert len(begins) == len(expected)
    assert begins == sorted(begins)
    assert all(AXXON_TIME.match(i["begin"]) and AXXON_TIME.match(i["end"]) for i in ascending["intervals"])
    descending = client.get(f"{base}/past/future").json()  # the vendor's own example order
    assert [i["begin"] for i in descending["intervals"]] == begins[::-1]
    limited = client.get(f"{base}/future/past", params={"limit": 2}).json()
    assert limited["more"] is True
    assert len(limited["intervals"]) == 2
    # A window inside one interval returns that whole interval.
    inside = expected[-1][0] + timedelta(minutes=1)
    window = client.get(f"{base}/{t(inside + timedelta(seconds=30))}/{t(inside)}").json()["intervals"]
    assert len(window) == 1
    assert window[0]["begin"] == expected[-1][0].strftime("%Y%m%dT%H%M%S.%f")
    assert client.get(f"/archive/contents/intervals/hosts/{CAM1}/future/past").status_code == 404
    assert client.get(f"{base}/yesterday/past").status_code == 400


def test_prefix_and_unprefixed_status(start: Start) -> None:
    client, _ = start(prefix="asip-api/")
    assert client.get("/asip-api/camera/list").status_code == 200
    assert client.get("/camera/list").status_code == 404
    reply = client.post(f"/asip-api/export/archive/{CAM1}/{t(RECENT)}/{t(RECENT)}", json={"format": "jpg"})
    location = reply.headers["Location"]
    assert location.startswith("/asip-api/export/")
    ident = location.rsplit("/", 1)[1]
    assert client.get(f"/export/{ident}/status").status_code == 200  # the docs omit the prefix here


def test_video_export_cycle_range_and_delete(start: Start) -> None:
    client, state = start()
    reply = export(client, RECENT, RECENT + timedelta(seconds=4), format="mp4", vc=3)
    assert reply.status_code == 202
    location = reply.headers["Location"]
    assert re.match(r"^/export/[0-9a-f-]{36}$", location)
    status = wait_done(client, location)
    assert status["state"] == 2
    assert status["progress"] == 1.0
    assert status["error"] == ""
    assert 1 in status["seen"]
    name = f"Server1_DeviceIpint.1[{t(RECENT)}-{t(RECENT + timedelta(seconds=4))}].mp4"
    assert status["files"] == [name]
    assert status["filesFriendly"] == [name.replace("DeviceIpint.1", "1.Entrance")]
    whole = client.get(f"{location}/file", params={"name": name})
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert int(whole.headers["content-length"]) == len(whole.content)
    fmt, codec, duration = decode_video(whole.content)
    assert "mp4" in fmt
    assert codec == "h264"
    assert abs(duration - 4) < 1
    part = client.get(f"{location}/file", params={"name": name}, headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.content == whole.content[100:]
    assert part.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
    beyond = client.get(f"{location}/file", params={"name": name}, headers={"Range": "bytes=99999999-"})
    assert beyond.status_code == 416
    assert client.get(f"{location}/file").status_code == 400
    assert client.get(f"{location}/file", params={"name": "other.mp4"}).status_code == 404
    assert client.delete(location).status_code == 204
    assert client.get(f"{location}/status").status_code == 404
    assert client.get(f"{location}/file", params={"name": name}).status_code == 404
    assert client.delete(location).status_code == 404
    posted = state.find("/export/archive/", "POST")[0]
    assert posted.params == {"waittimeout": "30000"}


def test_reversed_times_are_swapped(start: Start) -> None:
    client, _ = start()
    end = RECENT + timedelta(seconds=2)
    location = export(client, end, RECENT, format="mkv").headers["Location"]
    status = wait_done(client, location)
    assert status["files"] == [f"Server1_DeviceIpint.1[{t(RECENT)}-{t(end)}].mkv"]


def test_other_containers(start: Start) -> None:
    client, _ = start()
    cases = {
        "mkv": ("video/x-matroska", "matroska"),
        "avi": ("video/x-msvideo", "avi"),
        "exe": ("application/octet-stream", "mp4"),
    }  # exe carries mp4 bytes in the simulator
    locations = {
        f: export(client, RECENT, RECENT + timedelta(seconds=2), format=f).headers["Location"] for f in cases
    }
    for fmt, (content_type, container) in cases.items():
        name = wait_done(client, locations[fmt])["files"][0]
        assert name.endswith(f".{fmt}")
        reply = client.get(f"{locations[fmt]}/file", params={"name": name})
        assert reply.headers["content-type"] == content_type
        found, codec, duration = decode_video(reply.content)
        assert container in found
        assert codec == "h264"
        assert abs(duration - 2) < 1


def test_maxfilesize_splits_into_consecutive_files(start: Start) -> None:
    client, _ = start()
    location = export(
        client, RECENT, RECENT + timedelta(seconds=6), format="mp4", maxfilesize=25000, freq=0
    ).headers["Location"]
    files = wait_done(client, location)["files"]
    assert len(files) >= 2
    spans = [re.search(r"\[(\w+)-(\w+)\]", n).groups() for n in files]  # type: ignore[union-attr]
    assert spans[0][0] == t(RECENT)
    assert spans[-1][1] == t(RECENT + timedelta(seconds=6))
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    total = 0.0
    for name in files:
        total += decode_video(client.get(f"{location}/file", params={"name": name}).content)[2]
    assert abs(total - 6) < 1


def test_bad_export_requests_are_refused(start: Start) -> None:
    client, _ = start()
    later = RECENT + timedelta(seconds=5)
    cases = [
        ({}, 400),
        ({"format": "mov"}, 400),
        ({"format": "mp4", "vc": 7}, 400),
        ({"format": "mp4", "freq": 4}, 400),
        ({"format": "mp4", "maxfilesize": -1}, 400),
        ({"format": "jpg"}, 400),  # begin != end for a frame
    ]
    for body, status in cases:
        reply = export(client, RECENT, later, **body)
        assert reply.status_code == status, body
        assert reply.json()["error"]
    assert export(client, RECENT, RECENT, format="mp4").status_code == 400
    same = {"format": "jpg", "maskspace": [[[0.1, 0.1], [0.2, 0.1], [0.1, 0.1]]]}
    assert export(client, RECENT, RECENT, **same).status_code == 400
    assert export(client, RECENT, RECENT, format="jpg", croparea="all").status_code == 400
    assert client.post(f"/export/archive/{CAM1}/{t(RECENT)}/{t(later)}", content=b"{").status_code == 400
    assert client.post(f"/export/archive/{CAM1}/x/{t(later)}", json={"format": "mp4"}).status_code == 400
    unknown = "Server1/DeviceIpint.99/SourceEndpoint.video:0:0"
    assert (
        client.post(f"/export/archive/{unknown}/{t(RECENT)}/{t(later)}", json={"format": "mp4"}).status_code
        == 404
    )
    prefixed = client.post(f"/export/archive/hosts/{CAM1}/{t(RECENT)}/{t(later)}", json={"format": "mp4"})
    assert prefixed.status_code == 404


def test_jpg_honours_mask_and_crop(start: Start) -> None:
    client, _ = start()
    mask = [[[0.5, 0.25], [0.9, 0.25], [0.9, 0.75], [0.5, 0.75], [0.5, 0.25]]]
    location = export(client, RECENT, RECENT, format="jpg", maskspace=mask, color="#FF0000").headers[
        "Location"
    ]
    cropped = export(client, RECENT, RECENT, format="jpg", croparea=[[0, 0], [0.5, 0.5]]).headers["Location"]
    name = wait_done(client, location)["files"][0]
    reply = client.get(f"{location}/file", params={"name": name})
    assert reply.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(reply.content)).convert("RGB")
    inside = image.getpixel((round(0.7 * image.width), round(0.5 * image.height)))
    assert max(inside) < 40  # type: ignore[arg-type]
    small = Image.open(
        io.BytesIO(
            client.get(f"{cropped}/file", params={"name": wait_done(client, cropped)["files"][0]}).content
        )
    )
    assert small.width == image.width // 2
    assert small.height == image.height // 2


def test_pdf_layout(start: Start) -> None:
    client, _ = start()
    location = export(client, RECENT, RECENT, format="pdf", layout=1, comment="Case 7").headers["Location"]
    name = wait_done(client, location)["files"][0]
    reply = client.get(f"{location}/file", params={"name": name})
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.content.startswith(b"%PDF")
    box = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+)", reply.content)
    assert box
    assert float(box.group(1)) > float(box.group(2))


def test_span_without_recording_is_state_6(start: Start) -> None:
    client, state = start()
    gap_start, gap_end = state.archive.gaps(1)[0]
    middle = gap_start + (gap_end - gap_start) / 2
    location = export(client, middle, middle + timedelta(seconds=5), format="mp4").headers["Location"]
    status = wait_done(client, location)
    assert status["state"] == 6
    assert status["files"] == []


def test_export_fails_fault_and_short_waittimeout(start: Start) -> None:
    client, state = start()
    state.faults.export_fails = 1
    failing = export(client, RECENT, RECENT, format="jpg").headers["Location"]
    time.sleep(0.05)  # the fault is taken when the export task runs: let the first one take it
    fine = export(client, RECENT, RECENT, format="jpg").headers["Location"]
    short = client.post(
        f"/export/archive/{CAM1}/{t(RECENT)}/{t(RECENT)}?waittimeout=500", json={"format": "jpg"}
    )
    failed = wait_done(client, failing)
    assert failed["state"] == 3
    assert failed["error"] == FAILURE_TEXT
    assert wait_done(client, fine)["state"] == 2
    status = wait_done(client, short.headers["Location"])
    assert status["state"] == 3
    assert status["error"] == KEYFRAME_TEXT


def test_latency_fail_next_and_drop_faults(start: Start) -> None:
    client, state = start()
    state.faults.latency = 0.3
    began = time.monotonic()
    client.get("/hosts/")
    assert time.monotonic() - began >= 0.3
    state.faults.latency = 0
    state.faults.update(fail_next=1, fail_status=503)
    assert client.get("/camera/list").status_code == 503
    assert client.get("/camera/list").status_code == 200
    location = export(client, RECENT, RECENT + timedelta(seconds=2), format="mp4").headers["Location"]
    name = wait_done(client, location)["files"][0]
    state.faults.drop_after = 1000
    with (
        pytest.raises(httpx.HTTPError),
        client.stream("GET", f"{location}/file", params={"name": name}) as body,
    ):
        body.read()  # the drop happens while reading the body
    assert len(client.get(f"{location}/file", params={"name": name}).content) > 1000


def test_expire_sessions_invalidates_tokens(start: Start) -> None:
    client, state = start()
    value = token(client)["token_value"]
    assert client.get("/hosts/", headers=bearer(value)).status_code == 200
    state.faults.expire_sessions = True
    assert client.get("/hosts/", headers=bearer(value)).status_code == 401
    assert client.get("/hosts/").status_code == 200  # Basic is not a session
    assert client.get("/hosts/", headers=bearer(token(client)["token_value"])).status_code == 200


def test_camera_without_export_right(start: Start) -> None:
    archive = Archive(cameras=(SimCamera(1, "Entrance"), SimCamera(2, "Vault", exportable=False)))
    client, _ = start(SimState(archive=archive, export_seconds=0.3))
    cameras = client.get("/camera/list").json()["cameras"]
    assert [c["camera_access"] for c in cameras] == ["CAMERA_ACCESS_FULL", "CAMERA_ACCESS_MONITORING"]
    vault = "Server1/DeviceIpint.2/SourceEndpoint.video:0:0"
    reply = client.post(f"/export/archive/{vault}/{t(RECENT)}/{t(RECENT)}", json={"format": "jpg"})
    assert reply.status_code == 403


def test_long_spans_are_thinned_then_cut(tmp_path: Path) -> None:
    def plan(seconds: float, freq: int = 0) -> tuple[float, int]:
        job = SimExport("x", SimCamera(1, "Entrance"), RECENT, RECENT, "mp4", {"freq": freq}, tmp_path, 0.3)
        begin, end, fps = _plan(job, RECENT, RECENT + timedelta(seconds=seconds))
        assert begin == RECENT
        return (end - begin).total_seconds(), fps

    assert plan(60) == (60, 5)
    assert plan(60, freq=1) == (60, 2)
    assert plan(60, freq=3) == (60, 1)
    assert plan(3600) == (3600, 2)  # 18000 frames would be too many: thinned
    assert plan(86400) == (MAX_FRAMES, 1)  # a day: the first MAX_FRAMES seconds at 1 fps


def test_registry_builds_the_default_simulator(sim_factory: Callable[..., RunningSim]) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    reply = httpx.get(f"{sim.url}/camera/list", auth=("demo", "demo"), trust_env=False)
    assert reply.status_code == 200
    assert len(reply.json()["cameras"]) == len(sim.state.archive.cameras)
