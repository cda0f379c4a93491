"""The exacqVision simulator over real sockets: login, listing, search, the export cycle, every fault."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from vms_desk.core.models import Vendor
from vms_desk.sim.archive import Archive, SimCamera
from vms_desk.sim.base import SimServer, SimState
from vms_desk.sim.exacq import build
from vms_desk.sim.exacq.replies import FAILURE_TEXT
from vms_desk.sim.registry import RunningSim

CLOCK = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
EXPORT = "/v1/export.web"


@pytest.fixture(scope="module")
def shared_sim(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.EXACQ, export_seconds=0.3)


@pytest.fixture
def sim(shared_sim: RunningSim) -> RunningSim:
    """The shared simulator with its request log cleared and every fault off."""
    return shared_sim.reset()


@pytest.fixture
def web(sim: RunningSim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, timeout=10) as client:
        yield client


@pytest.fixture
def custom(tmp_path: Path) -> Iterator[Callable[..., tuple[SimState, httpx.Client]]]:
    """A simulator built with build() options the registry does not pass."""
    servers: list[SimServer] = []
    clients: list[httpx.Client] = []

    def start(**options: Any) -> tuple[SimState, httpx.Client]:
        state = SimState(export_seconds=0.3, workdir=tmp_path / f"custom-{len(servers)}")
        state.workdir.mkdir()
        server = SimServer(build(state, **options)).start()
        servers.append(server)
        clients.append(httpx.Client(base_url=server.url, timeout=10))
        return state, clients[-1]

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


def login(web: httpx.Client, password: str = "demo", server: str = "0") -> httpx.Response:
    form = {"u": "demo", "p": password, "s": server, "responseVersion": "2"}
    return web.post("/v1/login.web", data=form)


def session(web: httpx.Client) -> str:
    reply = login(web)
    assert reply.status_code == 200
    return str(reply.json()["sessionId"])


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def recent(seconds: float = 3, ago: timedelta = timedelta(minutes=20)) -> tuple[datetime, datetime]:
    start = (datetime.now(UTC) - ago).replace(microsecond=0)
    return start, start + timedelta(seconds=seconds)


def create(web: httpx.Client, s: str, fmt: str = "mp4", name: str = "", **extra: str) -> httpx.Response:
    start, end = recent()
    params = {"camera": "1001", "s": s, "start": iso(start), "end": iso(end), "format": fmt, **extra}
    if name:
        params["name"] = name
    return web.get(EXPORT, params=params)


def wait_done(web: httpx.Client, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status: dict[str, Any] = web.get(EXPORT, params={"export": export_id}).json()
        if status["status"] != "running":
            return status
        assert 0 <= status["progress"] < 100
        time.sleep(0.05)
    raise AssertionError("export did not finish")


def decode(data: bytes) -> tuple[str, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert frames > 0
        return stream.codec_context.name, (container.duration or 0) / 1_000_000


# --- login and sessions ------------------------------------------------------------------------------
def test_login_accepts_the_user_and_returns_a_session(web: httpx.Client) -> None:
    reply = login(web)
    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is True
    assert re.fullmatch(r"[0-9a-f-]{36}", body["sessionId"])
    assert body["name"]


@pytest.mark.parametrize(("password", "server"), [("wrong", "0"), ("demo", "7")])
def test_login_refusals_are_http_200_with_success_false_and_a_reason(
    web: httpx.Client, password: str, server: str
) -> None:
    reply = login(web, password, server)
    assert reply.status_code == 200
    assert reply.json()["success"] is False
    assert reply.json()["error"]


def test_login_requires_response_version_2(web: httpx.Client) -> None:
    reply = web.post("/v1/login.web", data={"u": "demo", "p": "demo", "s": "0"})
    assert reply.status_code == 400


def test_logout_redirects_and_ends_the_session(web: httpx.Client) -> None:
    s = session(web)
    reply = web.post("/v1/logout.web", params={"s": s})
    assert reply.status_code == 302
    config = web.get("/v1/config.web", params={"s": s, "output": "json"})
    assert config.status_code == 401
    assert config.json() == {"success": False, "error": "Invalid or expired session"}


# --- listing and search ------------------------------------------------------------------------------
def test_config_lists_cameras_name_and_timezone(web: httpx.Client) -> None:
    s = session(web)
    body = web.get("/v1/config.web", params={"s": s, "output": "json"}).json()
    assert body["name"] == "exacqVision Simulator"
    assert body["timezone"] == -4
    assert [c["id"] for c in body["Cameras"]] == [1001, 1002, 1003, 1004]
    assert body["Cameras"][0] == {"id": 1001, "name": "Entrance", "state": "connected", "disabled": False}


def test_config_without_a_session_is_refused(web: httpx.Client) -> None:
    assert web.get("/v1/config.web", params={"output": "json"}).status_code == 401


def test_search_gives_hourly_clips_that_join_into_the_recorded_spans(
    sim: RunningSim, web: httpx.Client
) -> None:
    s = session(web)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=8)
    params = {"s": s, "start": iso(start), "end": iso(end), "camera": "1002", "output": "json"}
    body = web.get("/v1/search.web", params=params).json()
    assert body["search_id"].startswith("0x")
    clips = body["videoInfo"][0]["clips"]
    assert all(CLOCK.match(c["startTime"]) and CLOCK.match(c["endTime"]) for c in clips)
    assert len(clips) > 7 * 20  # cut at whole hours
    joined: list[list[str]] = []
    for clip in clips:
        if joined and joined[-1][1] == clip["startTime"]:
            joined[-1][1] = clip["endTime"]
        else:
            joined.append([clip["startTime"], clip["endTime"]])
    expected = [
        [f"{a:%Y-%m-%dT%H:%M:%SZ}", f"{b:%Y-%m-%dT%H:%M:%SZ}"]
        for a, b in sim.state.archive.spans(2, start, end)
    ]
    assert joined == expected
    assert len(joined) > 1  # the archive has gaps


def test_search_in_a_gap_has_no_search_id(sim: RunningSim, web: httpx.Client) -> None:
    s = session(web)
    gap_start, gap_end = sim.state.archive.gaps(1)[0]
    params = {
        "s": s,
        "start": iso(gap_start + timedelta(seconds=2)),
        "end": iso(gap_end - timedelta(seconds=2)),
        "camera": "1001",
        "output": "json",
    }
    body = web.get("/v1/search.web", params=params).json()
    assert "search_id" not in body
    assert body["videoInfo"][0]["clips"] == []


@pytest.mark.parametrize(
    ("camera", "start"),
    [("99", "2026-01-01T00:00:00Z"), ("1001", "2026-01-01T00:00:00"), ("1001", "yesterday")],
)
def test_search_refuses_unknown_cameras_and_times_without_offset(
    web: httpx.Client, camera: str, start: str
) -> None:
    s = session(web)
    params = {"s": s, "start": start, "end": "2026-01-01T01:00:00Z", "camera": camera, "output": "json"}
    reply = web.get("/v1/search.web", params=params)
    assert reply.status_code == 400
    assert reply.json()["success"] is False


def test_search_reads_offsets(sim: RunningSim, web: httpx.Client) -> None:
    s = session(web)
    start, end = recent(3600)
    shifted = start.astimezone(UTC) - timedelta(hours=4)
    params = {
        "s": s,
        "start": shifted.replace(tzinfo=None).isoformat() + "-04:00",
        "end": iso(end),
        "camera": "1001",
        "output": "json",
    }
    clips = web.get("/v1/search.web", params=params).json()["videoInfo"][0]["clips"]
    assert clips[0]["startTime"] == f"{start:%Y-%m-%dT%H:%M:%SZ}"


# --- exports -----------------------------------------------------------------------------------------
def test_export_without_params_lists_formats(web: httpx.Client) -> None:
    assert web.get(EXPORT).json() == {"success": True, "formats": ["mp4", "avi", "exe", "ps_zip"]}


def test_export_cycle_with_real_media_range_and_finish(web: httpx.Client) -> None:
    s = session(web)
    created = create(web, s, name="Gate 1")
    assert created.status_code == 200
    export_id = created.json()["export_id"]
    status = wait_done(web, export_id)
    assert status["status"] == "completed"
    assert status["progress"] == 100

    full = web.get(EXPORT, params={"export": export_id, "action": "download"})
    assert full.status_code == 200
    assert full.headers["content-type"] == "video/mp4"
    assert 'filename="Gate 1.mp4"' in full.headers["content-disposition"]
    assert len(full.content) == status["size"]
    codec, duration = decode(full.content)
    assert codec == "h264"
    assert abs(duration - 3) < 1

    part = web.get(
        EXPORT, params={"export": export_id, "action": "download"}, headers={"Range": "bytes=100-"}
    )
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-{len(full.content) - 1}/{len(full.content)}"
    assert part.content == full.content[100:]

    assert web.get(EXPORT, params={"export": export_id, "action": "finish"}).json() == {"success": True}
    gone = web.get(EXPORT, params={"export": export_id})
    assert gone.status_code == 404
    assert gone.json()["success"] is False


@pytest.mark.parametrize(
    ("fmt", "suffix", "media_type"),
    [("avi", "avi", "video/x-msvideo"), ("ps_zip", "zip", "application/octet-stream")],
)
def test_other_formats(web: httpx.Client, fmt: str, suffix: str, media_type: str) -> None:
    s = session(web)
    export_id = create(web, s, fmt).json()["export_id"]
    assert wait_done(web, export_id)["status"] == "completed"
    body = web.get(EXPORT, params={"export": export_id, "action": "download"})
    assert f'filename="Export.{suffix}"' in body.headers["content-disposition"]
    assert body.headers["content-type"] == media_type
    assert decode(body.content)[0] == "h264"  # ps_zip is served as mp4 bytes (the player is not modelled)


def test_export_requires_a_live_session_and_valid_parameters(web: httpx.Client) -> None:
    assert create(web, "not-a-session").status_code == 401
    s = session(web)
    assert create(web, s, "mov").status_code == 400
    assert create(web, s, camera="77").status_code == 400
    assert web.get(EXPORT, params={"export": "nope", "s": "dead"}).status_code == 401


def test_download_before_completion_is_refused(web: httpx.Client) -> None:
    export_id = create(web, session(web)).json()["export_id"]
    assert web.get(EXPORT, params={"export": export_id, "action": "download"}).status_code == 409


def test_a_camera_the_user_may_not_export_is_refused(sim_factory: Callable[..., RunningSim]) -> None:
    archive = Archive(cameras=(SimCamera(1, "Open"), SimCamera(2, "Locked", exportable=False)))
    sim = sim_factory(Vendor.EXACQ, archive=archive)
    with httpx.Client(base_url=sim.url) as web:
        assert create(web, session(web), camera="1002").status_code == 403


def test_an_export_of_an_unrecorded_span_fails(sim: RunningSim, web: httpx.Client) -> None:
    s = session(web)
    gap_start, _ = sim.state.archive.gaps(1)[0]
    params = {
        "camera": "1001",
        "s": s,
        "start": iso(gap_start + timedelta(seconds=5)),
        "end": iso(gap_start + timedelta(seconds=9)),
        "format": "mp4",
    }
    status = wait_done(web, web.get(EXPORT, params=params).json()["export_id"])
    assert status["status"] == "failed"
    assert "no video is recorded" in status["error"]


# --- faults ------------------------------------------------------------------------------------------
def test_latency_fault(sim: RunningSim, web: httpx.Client) -> None:
    sim.state.faults.update(latency=0.3)
    began = time.monotonic()
    login(web)
    assert time.monotonic() - began >= 0.3


def test_fail_next_fault_answers_5xx_once(sim: RunningSim, web: httpx.Client) -> None:
    sim.state.faults.update(fail_next=1, fail_status=503, fail_path="config.web")
    s = session(web)
    assert web.get("/v1/config.web", params={"s": s, "output": "json"}).status_code == 503
    assert web.get("/v1/config.web", params={"s": s, "output": "json"}).status_code == 200


def test_drop_fault_cuts_the_download(sim: RunningSim, web: httpx.Client) -> None:
    export_id = create(web, session(web)).json()["export_id"]
    wait_done(web, export_id)
    sim.state.faults.update(drop_after=1000)
    with pytest.raises(httpx.HTTPError):
        web.get(EXPORT, params={"export": export_id, "action": "download"})
    assert len(web.get(EXPORT, params={"export": export_id, "action": "download"}).content) > 1000


def test_export_fails_fault(sim: RunningSim, web: httpx.Client) -> None:
    sim.state.faults.update(export_fails=1)
    status = wait_done(web, create(web, session(web)).json()["export_id"])
    assert (status["success"], status["status"], status["error"]) == (False, "failed", FAILURE_TEXT)


def test_expire_sessions_fault_ends_sessions_and_their_exports(sim: RunningSim, web: httpx.Client) -> None:
    s = session(web)
    export_id = create(web, s).json()["export_id"]
    sim.state.faults.update(expire_sessions=True)
    assert web.get("/v1/config.web", params={"s": s, "output": "json"}).status_code == 401
    assert web.get(EXPORT, params={"export": export_id}).status_code == 404
    fresh = session(web)
    assert web.get("/v1/config.web", params={"s": fresh, "output": "json"}).status_code == 200


def test_build_options(custom: Callable[..., tuple[SimState, httpx.Client]]) -> None:
    _, web = custom(timezone="Europe/Berlin", session_status=200, formats=())
    assert web.get(EXPORT).json() == {"success": True, "formats": []}
    dead = web.get("/v1/config.web", params={"s": "dead", "output": "json"})
    assert (dead.status_code, dead.json()["success"]) == (200, False)
    body = web.get("/v1/config.web", params={"s": session(web), "output": "json"}).json()
    assert body["timezone"] == "Europe/Berlin"
