"""No endless waits: a server export whose progress never changes fails after the vendor's limit from
settings.json, in one sentence, and is released on the server; an unknown state word is kept verbatim."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from vms_desk.core.errors import ExportStalled
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportPhase, ExportStatus
from vms_desk.jobs.stall import DEFAULT_STALL_LIMITS, StallWatch, stall_limit
from vms_desk.settings import Settings
from vms_desk.sim.registry import RunningSim
from vms_desk.workstation.root import Workstation

CAMERAS = {
    Vendor.AXXON_ONE: "Server1/DeviceIpint.1/SourceEndpoint.video:0:0",
    Vendor.AXXON_PSIM: "1",
    Vendor.VDG_SENSE: "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001/D3A1B2C4-0000-4000-8000-000000000001",
    Vendor.EXACQ: "1001",
}
LIMIT = 0.6


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def running(progress: float, state: str = "") -> ExportStatus:
    return ExportStatus(phase=ExportPhase.RUNNING, progress=progress, state=state)


def test_the_clock_restarts_on_any_change_and_fails_past_the_limit() -> None:
    clock = Clock()
    watch = StallWatch(60.0, clock=clock)
    assert watch.seen(running(0.1))
    clock.now += 59
    assert not watch.seen(running(0.1))
    watch.check()  # 59 s: still within the limit
    clock.now += 30
    assert watch.seen(running(0.1, "Rendering"))  # a new state word is movement too
    assert watch.still_for == 0
    clock.now += 61
    with pytest.raises(ExportStalled) as caught:
        watch.check()
    sentence = str(caught.value)
    assert "no progress for 1 min" in sentence
    assert "10%" in sentence
    assert sentence.endswith('The server\'s last state: "Rendering".')
    assert "\n" not in sentence


def test_limits_come_from_settings_by_vendor_name_with_defaults_for_the_rest() -> None:
    settings = Settings.model_validate({"stall_limits": {"exacq": 30}})
    assert stall_limit(Vendor.EXACQ, settings.stall_limits) == 30
    assert stall_limit(Vendor.VDG_SENSE, settings.stall_limits) == DEFAULT_STALL_LIMITS[Vendor.VDG_SENSE]
    assert all(s >= 600 for s in Settings().stall_limits.values())
    with pytest.raises(ValueError, match="no vendor named"):
        Settings.model_validate({"stall_limits": {"milestone": 30}})


def workstation_with_limit(home: Path, http: httpx.AsyncClient, vendor: Vendor) -> Workstation:
    home.mkdir(parents=True, exist_ok=True)
    settings = {"stall_limits": {vendor.value: LIMIT}, "poll_first_delay": 0.05, "poll_max_delay": 0.1}
    (home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return Workstation.open(home, http=http)


def export_request(vendor: Vendor) -> ExportRequest:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    fmt = {Vendor.AXXON_ONE: "mkv", Vendor.AXXON_PSIM: "mp4", Vendor.VDG_SENSE: "native", Vendor.EXACQ: "mp4"}
    options = {"path": "D:\\Exports"} if vendor is Vendor.VDG_SENSE else {}
    span = TimeSpan(start=end - timedelta(seconds=2), end=end)
    return ExportRequest(camera_id=CAMERAS[vendor], span=span, format=fmt[vendor], options=options)


async def run_one(workstation: Workstation, sim: RunningSim, vendor: Vendor, out: Path) -> Any:
    server = ServerConfig(vendor=vendor, url=sim.url, user="demo")
    workstation.passwords.remember(server, "demo")
    record = await workstation.engine.submit(
        server, export_request(vendor), camera_name=None, out_dir=out, case=None, operator="tester"
    )
    await workstation.engine.run_until_idle()
    return workstation.store.get(record.id)


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", list(CAMERAS))
async def test_a_status_that_never_advances_fails_the_job_at_the_settings_limit(
    vendor: Vendor, sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    sim = sim_factory(vendor)
    sim.state.faults.update(stall_exports=True)
    workstation = workstation_with_limit(tmp_path / "home", http, vendor)
    try:
        record = await run_one(workstation, sim, vendor, tmp_path / "out")
    finally:
        await workstation.engine.stop()
    assert record.state is JobState.FAILED
    assert record.error.startswith("The server's export made no progress for 1 s")
    assert "\n" not in record.error
    assert not list((tmp_path / "out").rglob("*"))
    if vendor is Vendor.AXXON_ONE:
        assert sim.state.find("/export/", "DELETE")  # released on the server
    if vendor is Vendor.EXACQ:
        assert any("action=finish" in r.query or "action=cancel" in r.query for r in sim.state.requests)


@pytest.mark.asyncio
async def test_an_unknown_state_word_is_kept_verbatim_and_waits_until_the_limit(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The Axxon One simulator holds state 7 (undocumented) with a progress that never moves: the
    client reports it as running with the state word, the job keeps it once, then the limit ends it."""
    sim = sim_factory(Vendor.AXXON_ONE)
    (
        await http.post(f"{sim.url}/_sim/axxon-one", json={"status_stalls": True, "stall_state": 7})
    ).raise_for_status()
    workstation = workstation_with_limit(tmp_path / "home", http, Vendor.AXXON_ONE)
    try:
        record = await run_one(workstation, sim, Vendor.AXXON_ONE, tmp_path / "out")
    finally:
        await workstation.engine.stop()
    details = [e.detail for e in workstation.store.events(record.id)]
    said = [d for d in details if d.startswith('The server reports the export as "state 7')]
    assert len(said) == 1, details
    assert record.state is JobState.FAILED
    assert record.error.startswith("The server's export made no progress")
    assert "The server's last state: \"state 7" in record.error
