"""The Axxon PSIM simulator over real sockets: token auth, camera file, archive tasks, downloads, faults."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import av
import httpx
import pytest

from vms_desk.core.models import Vendor
from vms_desk.core.times import to_psim
from vms_desk.sim.axxon_psim.tasks import FAILURE_TEXT
from vms_desk.sim.registry import RunningSim

SPAN = timedelta(seconds=4)


@pytest.fixture(scope="module")
def shared(module_sims: Callable[..., RunningSim]) -> RunningSim:
    """One simulator for the module; each test resets what it changes."""
    return module_sims(Vendor.AXXON_PSIM, export_seconds=0.2)


@pytest.fixture
def psim(shared: RunningSim) -> Iterator[RunningSim]:
    yield shared.reset()
    shared.state.faults.reset()


@pytest.fixture
def web(psim: RunningSim) -> Iterator[httpx.Client]:
    """A client holding a fresh token (the shared simulator has issued tokens, so auth is on)."""
    with httpx.Client(base_url=psim.url, timeout=10) as client:
        client.headers["Authorization"] = f"Bearer {_token(client)}"
        yield client


def _token(web: httpx.Client) -> str:
    reply = web.get("/token", params={"expires_in": "1800"}, auth=("demo", "demo"))
    assert reply.status_code == 200
    return str(reply.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _task(start: datetime | None = None, **extra: Any) -> dict[str, Any]:
    begin = start or datetime.now(UTC) - timedelta(minutes=10)
    return {"CameraId": "1", "From": to_psim(begin), "To": to_psim(begin + SPAN), **extra}


def _wait(web: httpx.Client, task_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = web.get("/getarchivetaskstatus", params={"archivetaskid": task_id}, headers=headers).json()
        if status["State"] != "Processing":
            return dict(status)
        time.sleep(0.05)
    raise AssertionError("task did not finish")


def _decode(data: bytes) -> tuple[str, str, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert frames > 0
        return container.format.name, stream.codec_context.name, (container.duration or 0) / 1e6


# --- /token -----------------------------------------------------------------------------------------
def test_token_needs_basic_and_the_right_password(web: httpx.Client) -> None:
    assert web.get("/token", params={"expires_in": "60"}).status_code == 500  # documented
    assert web.get("/token", params={"expires_in": "60"}, auth=("demo", "wrong")).status_code == 401
    reply = web.post("/token", params={"expires_in": "1800"}, auth=("demo", "demo"))
    body = reply.json()
    assert reply.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == "1800"
    assert len(body["access_token"]) > 20


def test_token_lifetime_is_capped_at_a_day(web: httpx.Client) -> None:
    reply = web.get("/token", params={"expires_in": "999999"}, auth=("demo", "demo"))
    assert reply.json()["expires_in"] == "86400"


def test_one_token_per_user_and_expires_in_zero_logs_out(web: httpx.Client) -> None:
    first, second = _token(web), _token(web)
    assert first != second
    probe = {"archivetaskid": "nope"}
    assert web.get("/getarchivetaskstatus", params=probe, headers=_bearer(first)).status_code == 401
    assert web.get("/getarchivetaskstatus", params=probe, headers=_bearer(second)).status_code == 404
    assert web.get("/token", params={"expires_in": "0"}, auth=("demo", "demo")).json()["expires_in"] == "0"
    assert web.get("/getarchivetaskstatus", params=probe, headers=_bearer(second)).status_code == 401


# --- config.properties ------------------------------------------------------------------------------
def test_config_lists_cameras_with_rights(web: httpx.Client) -> None:
    reply = web.get(
        "/web2/secure/video/config.properties", params={"version": "1.0", "login": "demo", "password": "demo"}
    )
    lines = dict(line.split("=", 1) for line in reply.text.splitlines())
    assert lines["password.invalid"] == "false"
    assert lines["cam.0.id"] == "1"
    assert lines["cam.0.name"] == "Entrance"
    assert int(lines["cam.0.rights"]) & 0x8
    count = int(lines["cam.count"].rstrip("#"))
    rights = [int(lines[f"cam.{n}.rights"]) for n in range(count)]
    assert [r & 0x8 for r in rights].count(0) == 1  # exactly one camera without archive access


@pytest.mark.parametrize("params", [{"login": "demo", "password": "bad"}, {}])
def test_config_with_bad_credentials_is_only_password_invalid(
    web: httpx.Client, params: dict[str, str]
) -> None:
    reply = web.get("/web2/secure/video/config.properties", params=params)
    assert reply.text.strip() == "password.invalid=true"


# --- tasks ------------------------------------------------------------------------------------------
def test_tasks_need_no_auth_until_a_token_is_issued(sim_factory: Callable[..., RunningSim]) -> None:
    with httpx.Client(base_url=sim_factory(Vendor.AXXON_PSIM).url, timeout=10) as web:
        assert web.post("/createarchivetask", json=_task()).status_code == 200
        token = _token(web)
        assert web.post("/createarchivetask", json=_task()).status_code == 401
        assert web.post("/createarchivetask", json=_task(), headers=_bearer(token)).status_code == 200
        assert web.post("/createarchivetask", json=_task(), params={"token": token}).status_code == 200
        assert web.post("/createarchivetask", json=_task(), params={"token": "forged"}).status_code == 401


@pytest.mark.parametrize(
    ("fmt", "container"),
    [("mp4", "mp4"), ("avi", "avi"), ("flv", "flv"), ("mov", "mp4"), ("asf", "asf"), (None, "mp4")],
)
def test_export_cycle_gives_h264_of_the_span(web: httpx.Client, fmt: str | None, container: str) -> None:
    body = _task(**({"Format": fmt} if fmt else {}))
    created = web.post("/createarchivetask", json=body).json()
    assert created["State"] == "Created"
    assert created["ErrorMessage"] is None  # JSON null on create, as documented
    assert created["CameraId"] == "1"
    assert created["From"] == body["From"]
    status = _wait(web, created["ArchiveTaskId"])
    assert status["State"] == "ReadyForDownload"
    assert status["Percents"] == 100
    assert status["ErrorMessage"] == "null"  # the STRING "null" in the status, as documented
    assert status["From"].endswith("+03:00")
    # The document's echo by default: the requested UTC clock reading labelled +03:00 (time_echo=relabel).
    assert status["From"][:23] == body["From"][:22] + "0"
    url = httpx.URL(status["Url"])
    assert url.host == "192.168.15.182"  # a host the workstation cannot reach
    assert url.path == "/download"
    assert url.params["file"] == created["ArchiveTaskId"]
    reply = web.get(url.path, params=dict(url.params))
    assert reply.status_code == 200
    name, codec, duration = _decode(reply.content)
    assert container in name
    assert codec == "h264"
    assert abs(duration - SPAN.total_seconds()) < 1.0


def test_progress_is_reported_while_processing(web: httpx.Client) -> None:
    created = web.post("/createarchivetask", json=_task()).json()
    status = web.get("/getarchivetaskstatus", params={"archivetaskid": created["ArchiveTaskId"]}).json()
    assert status["State"] == "Processing"
    assert 0 <= status["Percents"] < 100
    assert status["Url"] is None
    assert web.get("/download", params={"file": created["ArchiveTaskId"]}).status_code == 404


def test_download_honours_range(web: httpx.Client) -> None:
    task = web.post("/createarchivetask", json=_task()).json()["ArchiveTaskId"]
    _wait(web, task)
    whole = web.get("/download", params={"file": task}).content
    part = web.get("/download", params={"file": task}, headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    assert part.content == whole[100:]
    beyond = web.get("/download", params={"file": task}, headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"CameraId": "99"}, "Camera 99 not found"),
        ({"CameraId": "5"}, "No rights to access the archive of camera 5"),
        ({"Format": "wmv"}, "Unsupported export format: wmv"),
        ({"From": "yesterday"}, "Invalid time format"),
        ({"From": None}, "CameraId and From are required"),
        ({"To": "2000-01-01T00:00:00Z"}, "before its start"),
        ({"From": "2001-01-01T00:00:00Z", "To": "2001-01-01T00:01:00Z"}, "no archive records"),
    ],
)
def test_create_errors_carry_the_vendor_text(web: httpx.Client, change: dict[str, Any], text: str) -> None:
    reply = web.post("/createarchivetask", json={**_task(), **change})
    assert reply.status_code == 400
    assert text in reply.json()["ErrorMessage"]
    assert reply.json()["State"] == "Error"


def test_unknown_task_is_404(web: httpx.Client) -> None:
    reply = web.get("/getarchivetaskstatus", params={"archivetaskid": "0000"})
    assert reply.status_code == 404
    assert reply.json()["State"] == "NotFound"


# --- faults -----------------------------------------------------------------------------------------
def test_latency_fault(psim: RunningSim, web: httpx.Client) -> None:
    psim.state.faults.update(latency=0.3)
    began = time.monotonic()
    web.get("/getarchivetaskstatus", params={"archivetaskid": "x"})
    assert time.monotonic() - began >= 0.3


def test_fail_next_fault(psim: RunningSim, web: httpx.Client) -> None:
    psim.state.faults.update(fail_next=1, fail_status=503)
    assert web.post("/createarchivetask", json=_task()).status_code == 503
    assert web.post("/createarchivetask", json=_task()).status_code == 200


def test_drop_fault_cuts_the_download(psim: RunningSim, web: httpx.Client) -> None:
    task = web.post("/createarchivetask", json=_task()).json()["ArchiveTaskId"]
    _wait(web, task)
    psim.state.faults.update(drop_after=1000)
    with pytest.raises(httpx.HTTPError):
        web.get("/download", params={"file": task})
    assert web.get("/download", params={"file": task}).status_code == 200  # one drop only


def test_export_fails_fault(psim: RunningSim, web: httpx.Client) -> None:
    psim.state.faults.update(export_fails=1)
    task = web.post("/createarchivetask", json=_task()).json()["ArchiveTaskId"]
    status = _wait(web, task)
    assert status["State"] == "Failed"
    assert status["ErrorMessage"] == FAILURE_TEXT
    assert web.get("/download", params={"file": task}).status_code == 404


def test_expire_sessions_fault_invalidates_tokens(psim: RunningSim, web: httpx.Client) -> None:
    token = _token(web)
    assert web.post("/createarchivetask", json=_task(), headers=_bearer(token)).status_code == 200
    psim.state.faults.update(expire_sessions=True)
    assert web.post("/createarchivetask", json=_task(), headers=_bearer(token)).status_code == 401
    assert web.post("/createarchivetask", json=_task(), headers=_bearer(_token(web))).status_code == 200
