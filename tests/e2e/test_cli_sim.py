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


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_sim_serves_until_terminated(cli_home: Path) -> None:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    process = subprocess.Popen(
        [*command, "sim", "axxon-one", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VMS_DESK_HOME": str(cli_home)},
    )
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
