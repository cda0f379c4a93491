"""Issue 9 points 2 and 12 for Axxon PSIM, and its simulator switches (docs/vendors/axxon-psim.md).
Each test fails under the old reading."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from engine_helpers import make_engine

from vms_desk.core.errors import NotFound
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus
from vms_desk.evidence.manifest import read_manifest
from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.credentials import fixed_credentials, server_key
from vms_desk.jobs.store import JobStore
from vms_desk.sim.axxon_psim import build, web2_app
from vms_desk.sim.base import SimServer, SimState
from vms_desk.vendors.axxon_psim import Client
from vms_desk.vendors.axxon_psim import client as psim_client
from vms_desk.vendors.axxon_psim.echo import read_echo
from vms_desk.vendors.axxon_psim.requests import GetProductVersion
from vms_desk.vendors.request import Reply

REQUESTED = TimeSpan(
    start=datetime(2016, 6, 27, 15, 10, tzinfo=UTC), end=datetime(2016, 6, 27, 15, 11, tzinfo=UTC)
)


class Servers:
    """Simulated PSIM servers started by a test (main port, and web2 on a second one when asked)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.running: list[SimServer] = []

    def start(self, *, second_port: bool = False, **switches: Any) -> tuple[SimState, str, str | None]:
        state = SimState(export_seconds=0.2, workdir=self.tmp_path / f"sim{len(self.running)}")
        state.workdir.mkdir()
        app = build(state, web2_separate=second_port, **switches)
        main = SimServer(app).start()
        self.running.append(main)
        web2 = None
        if second_port:
            web2_server = SimServer(web2_app(app)).start()
            self.running.append(web2_server)
            web2 = web2_server.url
        return state, main.url, web2


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    yield started
    for server in started.running:
        server.stop()


def _client(url: str, http: httpx.AsyncClient, **settings: str) -> Client:
    return Client(
        ServerConfig(vendor=Vendor.AXXON_PSIM, url=url, user="demo", settings=settings), "demo", http
    )


def _span() -> TimeSpan:
    start = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0)
    return TimeSpan(start=start, end=start + timedelta(seconds=2))


async def _until_done(client: Client, handle: ExportHandle) -> ExportStatus:
    for _ in range(200):
        status = await client.poll(handle)
        if status.phase is not ExportPhase.RUNNING:
            return status
        await asyncio.sleep(0.03)
    raise AssertionError("export did not finish")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- point 2: web2 on its own port, its path, its version -------------------------------------------
def test_web2_candidates_follow_the_documents() -> None:
    def candidates(url: str, **settings: str) -> list[str]:
        return psim_client.web2_candidates(ServerConfig(vendor=Vendor.AXXON_PSIM, url=url, settings=settings))

    assert candidates("http://psim") == ["http://psim:8085/web2", "http://psim/web2"]
    assert candidates("http://psim:8085") == ["http://psim:8085/web2"]
    # The README's example (`.../web2`) and a bare host:port both give one /web2, never /web2/web2.
    assert candidates("http://psim", web2_url="http://psim:8085/web2") == ["http://psim:8085/web2"]
    assert candidates("http://psim", web2_url="http://psim:8085/web2/") == ["http://psim:8085/web2"]
    assert candidates("http://psim", web2_url="http://psim:8085") == ["http://psim:8085/web2"]


@pytest.mark.asyncio
@pytest.mark.parametrize("suffix", ["/web2", ""])
async def test_camera_list_from_web2_on_a_second_port(
    servers: Servers, http: httpx.AsyncClient, suffix: str
) -> None:
    state, main, web2 = servers.start(second_port=True)
    assert web2 is not None
    client = _client(main, http, web2_url=web2 + suffix)
    info = await client.connect()
    assert info.version == "1.0.1.224"  # read from web2's product/version, not hard-coded
    config = state.find("config.properties")[-1]
    assert config.path == "/web2/secure/video/config.properties"
    assert config.params["version"] == "1.0.1.224"
    assert [r.path for r in state.find("/web2/web2")] == []
    assert len(await client.list_cameras()) >= 2
    await client.aclose()


@pytest.mark.asyncio
async def test_without_a_setting_web2_is_looked_for_on_its_port_then_on_the_server(
    servers: Servers, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(psim_client, "WEB2_PORT", _free_port())  # nothing listens there
    _, main, _ = servers.start()
    client = _client(main, http)
    assert len(await client.list_cameras()) >= 2  # found on the one-port server after the refusal
    _, split, _ = servers.start(second_port=True)
    lost = _client(split, http)
    with pytest.raises(NotFound, match="Set web2_url"):
        await lost.list_cameras()


def test_product_version_is_read_from_its_text() -> None:
    def version(body: bytes) -> str:
        return GetProductVersion().decode(Reply(200, body, httpx.Headers(), "GET", "http://p:8085/web2/x"))

    assert version(b"Intellect 4.11.3.5184") == "4.11.3.5184"
    assert version(b'{"version":"1.0.1.224"}') == "1.0.1.224"


# --- point 12: the time echo ---------------------------------------------------------------------------
def test_the_documents_echo_keeps_the_requested_span_and_the_servers_words() -> None:
    echo = read_echo("2016-06-27T15:10:00.000+03:00", "2016-06-27T15:11:00.000+03:00", REQUESTED)
    assert echo is not None
    assert echo.actual == REQUESTED  # never the literal 12:10Z, three hours earlier
    assert echo.literal == TimeSpan(
        start=REQUESTED.start - timedelta(hours=3), end=REQUESTED.end - timedelta(hours=3)
    )
    assert "'2016-06-27T15:10:00.000+03:00'" in echo.note
    assert "2016-06-27T12:10:00.000Z" in echo.note


def test_a_correct_conversion_confirms_the_span() -> None:
    echo = read_echo("2016-06-27T18:10:00.000+03:00", "2016-06-27T18:11:00.000+03:00", REQUESTED)
    assert echo is not None
    assert echo.actual == REQUESTED
    assert "which is the requested span" in echo.note


def test_another_span_is_reported_not_adopted() -> None:
    echo = read_echo("2016-06-27T09:00:00.000+03:00", "2016-06-27T09:01:00.000+03:00", REQUESTED)
    assert echo is not None
    assert echo.actual is None
    assert "not the requested span" in echo.note
    assert "'2016-06-27T09:00:00.000+03:00'" in echo.note


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["relabel", "convert", "utc"])
async def test_every_echo_reading_keeps_the_requested_span(
    servers: Servers, http: httpx.AsyncClient, mode: str
) -> None:
    _, main, _ = servers.start(time_echo=mode)
    client = _client(main, http)
    span = _span()
    handle = await client.start_export(ExportRequest(camera_id="1", span=span, format="mp4"))
    status = await _until_done(client, handle)
    assert status.phase is ExportPhase.DONE
    assert status.actual_span == span
    assert "From '" in status.message


@pytest.mark.asyncio
async def test_the_manifest_keeps_the_servers_words_and_the_utc_instant(
    servers: Servers, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, main, _ = servers.start()  # the document's echo: UTC clock reading labelled +03:00
    server = ServerConfig(vendor=Vendor.AXXON_PSIM, url=main, user="demo")
    engine = make_engine(
        JobStore(tmp_path / "jobs.sqlite3"),
        http,
        fixed_credentials({server_key(server): "demo"}),
        retry=RetryPolicy(attempts=3, first_delay=0.02, max_delay=0.05),
        poll=PollPolicy(first=0.05, maximum=0.1),
    )
    span = _span()
    record = await engine.submit(
        server,
        ExportRequest(camera_id="1", span=span, format="mp4"),
        camera_name=None,
        out_dir=tmp_path / "out",
        case="Case 12",
        operator="tester",
    )
    await engine.run_until_idle()
    record = engine.store.get(record.id)
    assert record.state is JobState.DONE, record.error
    assert record.manifest is not None
    manifest = read_manifest(record.manifest)
    assert (manifest.actual.start, manifest.actual.end) == (span.start, span.end)  # not shifted by 3 h
    words = span.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+03:00")
    literal = (span.start - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    notes = [e.detail for e in manifest.events if words in e.detail]
    assert notes, [e.detail for e in manifest.events]
    assert literal in notes[0]


# --- simulator switch: a status that never advances ----------------------------------------------------
@pytest.mark.asyncio
async def test_the_stall_switch_holds_state_and_percents(servers: Servers, http: httpx.AsyncClient) -> None:
    state, main, _ = servers.start()
    async with httpx.AsyncClient() as raw:
        assert (await raw.post(f"{main}/_sim/axxon-psim", json={"status_stalls": True})).status_code == 200
        assert (await raw.post(f"{main}/_sim/axxon-psim", json={"time_echo": "local"})).status_code == 400
    client = _client(main, http)
    handle = await client.start_export(ExportRequest(camera_id="1", span=_span(), format="mp4"))
    seen = set()
    for _ in range(5):
        status = await client.poll(handle)
        seen.add((status.phase, status.progress))
        await asyncio.sleep(0.1)
    assert seen == {(ExportPhase.RUNNING, 0.25)}
    assert json.loads(state.find("/getarchivetaskstatus")[-1].body or b"{}") == {}


# --- simulator switch: camera-right variants -----------------------------------------------------------
@pytest.mark.asyncio
async def test_rights_variants_decide_by_the_archive_bit(servers: Servers, http: httpx.AsyncClient) -> None:
    # 9 = view + archive (no control) may export; 7 = view + control + reserved has no archive bit.
    _, main, _ = servers.start(granted_rights=9, restricted_rights=7)
    client = _client(main, http)
    rights = {c.detail["rights"]: c.exportable for c in await client.list_cameras()}
    assert rights == {"9": True, "7": False}
    handle = await client.start_export(ExportRequest(camera_id="1", span=_span(), format="mp4"))
    assert (await _until_done(client, handle)).phase is ExportPhase.DONE
