"""`vms-desk sim VENDOR`: prints `listening on http://H:P` first, serves, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cli_helpers import SCRIPT, cli, one_error_line


def _sim(home: Path, *args: str) -> subprocess.Popen[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    return subprocess.Popen(
        [*command, "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VMS_DESK_HOME": str(home)},
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_sim_serves_until_terminated(cli_home: Path) -> None:
    process = _sim(cli_home, "axxon-one", "--host", "127.0.0.1", "--port", "0")
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))", first)
        assert match, first
        assert int(match.group(2)) > 0  # the real port, not 0
        reply = httpx.get(f"{match.group(1)}/product/version", auth=("demo", "demo"), timeout=5)
        assert reply.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sim_refuses_unknown_vendor(cli_home: Path) -> None:
    result = cli(cli_home, "sim", "milestone")
    assert result.returncode == 2
    assert "milestone" in one_error_line(result.stderr)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_sim_stops_however_many_signals_arrive_at_once(cli_home: Path) -> None:
    """A signal handler that took the wait's own lock once hung `sim` for good on SIGTERM."""
    for _ in range(3):
        process = _sim(cli_home, "axis", "--port", "0")
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("listening on ")
            for _ in range(2000):  # until it ends: every moment of its wait gets a signal
                if process.poll() is not None:
                    break
                process.send_signal(signal.SIGTERM)
            # The hang is the failure; a signal landing after Python restored the default handlers
            # in its last moments ends it by SIGTERM, which is as good.
            assert process.wait(timeout=15) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
