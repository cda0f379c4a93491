"""`vms-desk jobs` and the shared store: a CLI export and the GUI's engine running at the same time."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cli_helpers import cli, server_args, span_args
from engine_helpers import make_engine

from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.backoff import PollPolicy
from vms_desk.jobs.credentials import fixed_credentials, server_key
from vms_desk.jobs.store import JobStore
from vms_desk.sim.registry import RunningSim

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"


@pytest.mark.asyncio
async def test_cli_and_engine_share_the_store(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, cli_home: Path, tmp_path: Path
) -> None:
    slow = sim_factory(Vendor.AXXON_ONE, export_seconds=2.5)
    fast = sim_factory(Vendor.AXXON_ONE)
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=slow.url, user="demo")
    store = JobStore(cli_home / "jobs.sqlite3")
    engine = make_engine(
        store, http, fixed_credentials({server_key(server): "demo"}), poll=PollPolicy(first=0.05, maximum=0.2)
    )
    processing = asyncio.Event()
    engine.add_listener(lambda r: processing.set() if r.state is JobState.PROCESSING else None)
    engine.start()
    end = datetime.now(UTC) - timedelta(minutes=5)
    request = ExportRequest(
        camera_id=CAMERA, span=TimeSpan(start=end - timedelta(seconds=2), end=end), format="mkv"
    )
    gui_job = await engine.submit(
        server, request, camera_name="Entrance", out_dir=tmp_path / "gui", case=None, operator="gui user"
    )
    await asyncio.wait_for(processing.wait(), 10)

    # While the engine works: the supervisor's view, and a CLI export on another server.
    listed = await asyncio.to_thread(cli, cli_home, "jobs", "--json")
    # The text table says how far a running job is.
    running = await asyncio.to_thread(cli, cli_home, "jobs")
    (line,) = [row for row in running.stdout.splitlines() if row.startswith(gui_job.id[:8])]
    assert re.fullmatch(r"processing \d{1,3}%", line.split("\t")[1]), line
    exported = await asyncio.to_thread(
        cli,
        cli_home,
        "export",
        *server_args(Vendor.AXXON_ONE, fast.url),
        "--camera",
        CAMERA,
        *span_args(),
        "--format",
        "mp4",
        "--out",
        str(tmp_path / "cli"),
        "--json",
    )
    await engine.run_until_idle()

    assert listed.returncode == 0, listed.stderr
    seen = {j["id"]: j["state"] for j in json.loads(listed.stdout)}
    assert seen[gui_job.id] == "processing"  # the CLI did not take the live job for an interrupted one
    assert exported.returncode == 0, exported.stderr
    cli_job = json.loads(exported.stdout)["job_id"]
    assert store.get(gui_job.id).state is JobState.DONE
    assert store.get(cli_job).state is JobState.DONE

    text = cli(cli_home, "jobs")
    assert text.returncode == 0
    assert gui_job.id[:8] in text.stdout
    assert cli_job[:8] in text.stdout
