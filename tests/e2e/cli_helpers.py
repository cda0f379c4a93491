"""Running `vms-desk` as a subprocess against simulators in this process (real loopback sockets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vms_desk.core.models import Vendor
from vms_desk.vendors.registry import SPECS

SCRIPT = Path(sys.executable).parent / "vms-desk"
# Each vendor's own format name for a plain video export.
FORMATS = {
    Vendor.AXXON_ONE: "mp4",
    Vendor.AXXON_PSIM: "mp4",
    Vendor.VDG_SENSE: "native",
    Vendor.EXACQ: "mp4",
    Vendor.AXIS: "mkv",
}
# Retries and polling fast enough for tests; the CLI reads them from VMS_DESK_HOME/settings.json.
FAST_SETTINGS = {
    "version": 1,
    "retry_attempts": 2,
    "retry_first_delay": 0.05,
    "retry_max_delay": 0.1,
    "poll_first_delay": 0.05,
    "poll_max_delay": 0.2,
}


def available_vendors() -> list[Vendor]:
    """Every vendor in the registry (each SPEC brings its client and its simulator)."""
    return list(SPECS)


def make_home(tmp_path: Path) -> Path:
    """A fresh VMS_DESK_HOME with fast settings."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "settings.json").write_text(json.dumps(FAST_SETTINGS), encoding="utf-8")
    return home


def cli(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `vms-desk ARGS` with VMS_DESK_HOME=home and the password `demo` in $PW."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    full_env = {**os.environ, "VMS_DESK_HOME": str(home), "PW": "demo", **(env or {})}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )


def server_args(vendor: Vendor, url: str, password_env: str = "PW") -> list[str]:
    """SERVER = --vendor --url --user --password-env."""
    return ["--vendor", vendor.value, "--url", url, "--user", "demo", "--password-env", password_env]


def span_args(seconds: int = 2, minutes_ago: int = 5) -> list[str]:
    """A recent span (the simulators record the last hour without gaps), as ISO 8601 UTC."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    start = end - timedelta(seconds=seconds)
    return ["--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--end", end.strftime("%Y-%m-%dT%H:%M:%SZ")]


def one_error_line(stderr: str) -> str:
    """The single `error: ...` line a refused or failed command prints on stderr."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def json_out(result: subprocess.CompletedProcess[str]) -> Any:
    """The command's stdout as JSON."""
    return json.loads(result.stdout)


def first_camera(home: Path, vendor: Vendor, url: str) -> str:
    """The id of the first camera `cameras --json` lists."""
    result = cli(home, "cameras", *server_args(vendor, url), "--json")
    assert result.returncode == 0, result.stderr
    return str(json_out(result)[0]["id"])
