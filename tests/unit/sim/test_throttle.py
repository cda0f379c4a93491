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
        started = time.monotonic()
        assert httpx.get(f"{server.url}/clip").content == data
        assert time.monotonic() - started < 0.3  # off by default

        state.faults.update(throttle_bps=256 * 1024)
        started = time.monotonic()
        assert httpx.get(f"{server.url}/clip").content == data
        assert time.monotonic() - started >= 0.3  # 96 KiB at 256 KiB/s: about 0.375 s

        ranged = httpx.get(f"{server.url}/clip", headers={"Range": "bytes=65536-"})
        assert ranged.status_code == 206
        assert ranged.content == data[65536:]
        state.faults.reset()
        assert state.faults.throttle_bps == 0
