"""The window is composed on the Workstation: its engine is the one that honours settings.json."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from vms_desk.app import compose
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor

CAMERAS = ("Server1/DeviceIpint.1/SourceEndpoint.video:0:0", "Server1/DeviceIpint.2/SourceEndpoint.video:0:0")


async def _most_at_once(per_server: int, home, sim, tmp_path) -> int:
    """Two exports of one server through the window's engine; how many were active at once."""
    (home / "settings.json").write_text(
        json.dumps({"per_server": per_server, "poll_first_delay": 0.05, "poll_max_delay": 0.1}),
        encoding="utf-8",
    )
    parts = compose(home=home, out_dir=tmp_path / "evidence")
    parts.start(restore=False)
    engine = parts.workstation.engine
    active: set[str] = set()
    most = 0

    def watch(record) -> None:
        nonlocal most
        if record.state in (JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING):
            active.add(record.id)
        else:
            active.discard(record.id)
        most = max(most, len(active))

    engine.add_listener(watch)
    window = parts.window
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo"), "demo", persistent=False
    )
    await window.connections.wait_idle()
    config = window.connections.config(server_id)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    span = TimeSpan(start=end - timedelta(seconds=2), end=end)
    try:
        records = [
            await engine.submit(
                config,
                ExportRequest(camera_id=camera, span=span, format="mkv"),
                camera_name=None,
                out_dir=tmp_path / "evidence",
                case=None,
                operator="tester",
            )
            for camera in CAMERAS
        ]
        for _ in range(300):
            if all(engine.store.get(r.id).state.finished for r in records):
                break
            await asyncio.sleep(0.05)
        assert [engine.store.get(r.id).state for r in records] == [JobState.DONE, JobState.DONE]
    finally:
        await parts.aclose()
        parts.dispose()
    return most


@pytest.mark.asyncio
async def test_the_windows_engine_honours_the_per_server_limit(
    home, http, memory_keyring, sim_factory, tmp_path
):
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=1.0)
    assert await _most_at_once(1, home, sim, tmp_path / "one") == 1  # serial, as settings say
    assert await _most_at_once(2, home, sim, tmp_path / "two") == 2  # and both at once when allowed
