"""Issue 9 points 3, 4, 5, 6 and 14 for Axxon One, each against the simulator's switch for the documented
alternative (docs/vendors/axxon-one.md). Every test here fails under the old reading."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from vms_desk.core.errors import NotFound, VendorError
from vms_desk.core.export import ExportRequest, build_request
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus
from vms_desk.sim.archive import Archive, SimCamera
from vms_desk.sim.axxon_one import build
from vms_desk.sim.base import SimServer, SimState
from vms_desk.vendors.axxon_one import Client
from vms_desk.vendors.axxon_one.capabilities import CAPABILITIES
from vms_desk.vendors.axxon_one.status import NotStarted, to_status
from vms_desk.vendors.axxon_one.wire import ExportStatusReply, WireCamera, may_export

CAM1 = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
SEED_BODY = {"format": "mp4", "vc": 4, "comment": "comment"}  # the seed's own example body
MASK = [[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.1]]]


@dataclass
class Sim:
    url: str
    state: SimState

    def client(self, http: httpx.AsyncClient, **settings: str) -> Client:
        config = ServerConfig(vendor=Vendor.AXXON_ONE, url=self.url, user="demo", settings=settings)
        return Client(config, "demo", http)

    def sent(self, part: str) -> list[tuple[str, str, str]]:
        return [
            (r.method, r.path, r.headers.get("authorization", "").split(" ")[0])
            for r in self.state.requests
            if part in r.path
        ]


@pytest.fixture
def axxon(tmp_path: Path) -> Iterator[Callable[..., Sim]]:
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


def _video(fmt: str = "mp4", **options: Any) -> ExportRequest:
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=2))
    return ExportRequest(camera_id=CAM1, span=span, format=fmt, options=options)


async def _wait(client: Client, handle: ExportHandle, polls: int = 200) -> ExportStatus:
    for _ in range(polls):
        status = await client.poll(handle)
        if status.phase is not ExportPhase.RUNNING:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the export never finished")


# --- point 3: options for video ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["mp4", "mkv", "avi", "exe", "jpg", "pdf"])
def test_overlay_and_mask_options_are_offered_for_every_format(fmt: str) -> None:
    offered = {o.name for o in CAPABILITIES.options if fmt in o.formats}
    assert {"comment", "croparea", "maskspace", "tsformat", "color"} <= offered


def test_the_seed_example_body_validates() -> None:
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=5))
    options = {k: v for k, v in SEED_BODY.items() if k != "format"}
    request = build_request(
        CAPABILITIES, camera_id=CAM1, span=span, fmt="mp4", options=options, now=datetime.now(UTC)
    )
    assert request.options == {"vc": 4, "comment": "comment"}


@pytest.mark.asyncio
async def test_a_privacy_mask_reaches_an_mp4_export(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    client = sim.client(http)
    handle = await client.start_export(_video(maskspace=MASK, comment="case 7", color="#e31e1e"))
    post = sim.state.find("/export/archive/", "POST")[-1]
    import json

    assert json.loads(post.body) == {
        "format": "mp4",
        "maskspace": MASK,
        "comment": "case 7",
        "color": "#e31e1e",
    }
    assert (await _wait(client, handle)).phase is ExportPhase.DONE


# --- point 4: camera rights ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("access", "exportable"),
    [
        ("CAMERA_ACCESS_FULL", True),
        ("CAMERA_ACCESS_MONITORING_ARCHIVE_MANAGE", True),
        ("CAMERA_ACCESS_ARCHIVE", True),
        ("CAMERA_ACCESS_ONLY_ARCHIVE", True),
        ("CAMERA_ACCESS_UNSPECIFIED", True),  # inherits a default the client cannot see: the server decides
        ("", True),
        ("CAMERA_ACCESS_MONITORING", False),
        ("CAMERA_ACCESS_MONITORING_ON_PROTECTION", False),
        ("CAMERA_ACCESS_FORBID", False),
    ],
)
def test_every_right_that_includes_the_archive_may_export(access: str, exportable: bool) -> None:
    assert may_export(access) is exportable
    camera = WireCamera.model_validate({"accessPoint": f"hosts/{CAM1}", "camera_access": access}).to_camera()
    assert camera.exportable is exportable


@pytest.mark.asyncio
async def test_archive_manage_right_lists_exportable_and_exports(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(granted_access="CAMERA_ACCESS_MONITORING_ARCHIVE_MANAGE")
    client = sim.client(http)
    cameras = {c.id: c for c in await client.list_cameras()}
    assert cameras[CAM1].exportable
    assert cameras[CAM1].detail["camera_access"] == "CAMERA_ACCESS_MONITORING_ARCHIVE_MANAGE"
    assert (await _wait(client, await client.start_export(_video()))).phase is ExportPhase.DONE


# --- point 5: error null, state 0 ---------------------------------------------------------------------
def test_error_null_is_no_error() -> None:
    reply = ExportStatusReply.model_validate_json(
        b'{"id":"x","state":1,"progress":0.5,"error":null,"files":null,"filesFriendly":null}'
    )
    assert to_status(reply).phase is ExportPhase.RUNNING
    done = ExportStatusReply.model_validate_json(b'{"state":2,"progress":1,"error":null,"files":["a.mp4"]}')
    assert to_status(done).phase is ExportPhase.DONE


@pytest.mark.asyncio
async def test_error_null_from_the_server_finishes_the_export(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(error_null=True)
    client = sim.client(http)
    status = await _wait(client, await client.start_export(_video()))
    assert status.phase is ExportPhase.DONE


def test_state_zero_ends_after_the_limit() -> None:
    now = [0.0]
    watch = NotStarted(limit=120.0, clock=lambda: now[0])
    zero = ExportStatusReply.model_validate({"state": 0, "progress": 0, "error": None})
    assert to_status(zero, watch.overdue("a", 0)).phase is ExportPhase.RUNNING
    now[0] = 119.0
    assert to_status(zero, watch.overdue("a", 0)).phase is ExportPhase.RUNNING
    now[0] = 121.0
    failed = to_status(zero, watch.overdue("a", 0))
    assert failed.phase is ExportPhase.FAILED
    assert failed.vendor_code == "0"
    assert "did not start the export" in failed.error
    assert failed.error.endswith("The server gave no reason (state 0, export not performed).")
    assert watch.overdue("b", 1) is None  # leaving state 0 forgets the clock


@pytest.mark.asyncio
async def test_a_server_stuck_in_state_zero_is_not_polled_forever(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(status_stalls=True, stall_state=0)
    client = sim.client(http)
    client._not_started = NotStarted(limit=0.3)
    status = await _wait(client, await client.start_export(_video()), polls=40)
    assert status.phase is ExportPhase.FAILED
    assert "state 0" in status.error


@pytest.mark.asyncio
async def test_the_stall_switch_holds_state_and_progress(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(status_stalls=True)
    client = sim.client(http)
    handle = await client.start_export(_video())
    seen = set()
    for _ in range(5):
        status = await client.poll(handle)
        seen.add((status.phase, status.progress))
        await asyncio.sleep(0.1)
    assert seen == {(ExportPhase.RUNNING, 0.25)}


# --- point 6: 403 under Basic ------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_basic_403_is_retried_once_with_bearer(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(basic_export_403=True)
    client = sim.client(http)
    handle = await client.start_export(_video())
    assert [s for s in sim.sent("/") if s[1] != "/_sim"][:3] == [
        (
            "POST",
            f"/export/archive/{CAM1}/{RECENT:%Y%m%dT%H%M%S}/{RECENT + timedelta(seconds=2):%Y%m%dT%H%M%S}",
            "Basic",
        ),
        ("POST", "/grpc", "Basic"),
        (
            "POST",
            f"/export/archive/{CAM1}/{RECENT:%Y%m%dT%H%M%S}/{RECENT + timedelta(seconds=2):%Y%m%dT%H%M%S}",
            "Bearer",
        ),
    ]
    assert (await _wait(client, handle)).phase is ExportPhase.DONE


@pytest.mark.asyncio
async def test_a_403_that_survives_bearer_is_no_export_rights(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(archive=Archive(cameras=(SimCamera(1, "Entrance"), SimCamera(2, "Vault", exportable=False))))
    source = "Server1/DeviceIpint.2/SourceEndpoint.video:0:0"
    client = sim.client(http)
    span = TimeSpan(start=RECENT, end=RECENT + timedelta(seconds=2))
    with pytest.raises(VendorError, match="does not allow this user to export") as caught:
        await client.start_export(ExportRequest(camera_id=source, span=span, format="mp4"))
    assert caught.value.code == "403"
    assert 'The server said: "Forbidden: no export permission for this camera" (HTTP 403).' in str(
        caught.value
    )
    schemes = [s[2] for s in sim.sent("/export/archive/")]
    assert schemes == ["Basic", "Bearer"]  # one retry with Bearer, then the refusal stands


# --- point 14: /product/version is informational -----------------------------------------------------
@pytest.mark.asyncio
async def test_version_404_fails_neither_connect_nor_cameras(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon(version_404=True)
    client = sim.client(http)
    info = await client.connect()
    assert info.version == ""
    assert len(await client.list_cameras()) >= 4


@pytest.mark.asyncio
async def test_everything_404_suggests_checking_the_prefix(
    axxon: Callable[..., Sim], http: httpx.AsyncClient
) -> None:
    sim = axxon()
    client = sim.client(http, prefix="/wrong")
    with pytest.raises(NotFound, match=r"prefix is probably wrong \(now: /wrong\)"):
        await client.connect()
    with pytest.raises(NotFound, match="Check the prefix"):
        await client.list_cameras()


# --- build item 4: the server's words and code follow our sentence -----------------------------------
def test_failure_keeps_the_servers_words_and_state() -> None:
    reply = ExportStatusReply.model_validate({"state": 3, "progress": 0.4, "error": "Disk read failure"})
    status = to_status(reply)
    assert status.phase is ExportPhase.FAILED
    assert status.error.startswith("The Axxon One server could not make the export. ")
    assert status.error.endswith('The server said: "Disk read failure" (state 3, export error).')
    assert (status.vendor_error, status.vendor_code) == ("Disk read failure", "3")


def test_an_unknown_state_is_kept_and_treated_as_running() -> None:
    status = to_status(ExportStatusReply.model_validate({"state": 9, "progress": 0.3, "error": "queued"}))
    assert status.phase is ExportPhase.RUNNING
    assert "state 9" in status.message
    assert '"queued"' in status.message
