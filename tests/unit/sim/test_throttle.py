"""The `throttle_bps` fault: simulated file downloads arrive no faster than the limit, Range intact."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vms_desk.sim.base import SimServer, SimState, build_app, file_response


def test_throttle_limits_the_rate_and_keeps_range(tmp_path: Path) -> None:
    data = os.urandom(96 * 1024)
    (tmp_path / "clip.mkv").write_bytes(data)
    state = SimState(workdir=tmp_path)

    async def serve(request: Request) -> Response:
        return file_response(
            request, tmp_path / "clip.mkv", media_type="video/x-matroska", filename=None, state=state
        )

    with SimServer(build_app([Route("/clip", serve)], state)) as server:
        assert state.faults.throttle_bps == 0  # off by default
        started = time.monotonic()
        assert httpx.get(f"{server.url}/clip").content == data
        fast = time.monotonic() - started

        state.faults.update(throttle_bps=64 * 1024)
        started = time.monotonic()
        assert httpx.get(f"{server.url}/clip").content == data
        slow = time.monotonic() - started
        # 96 KiB at 64 KiB/s takes at least 1.5 s; unthrottled it is far quicker, even on a busy
        # machine (a fixed wall-clock bound for the fast case failed under load).
        assert slow >= 1.4
        assert fast < slow / 2

        ranged = httpx.get(f"{server.url}/clip", headers={"Range": "bytes=65536-"})
        assert ranged.status_code == 206
        assert ranged.content == data[65536:]
        state.faults.reset()
        assert state.faults.throttle_bps == 0
