"""Refused input exits 2 before any request; server failures exit 1 with one line and a failed job."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import cli, one_error_line, server_args, span_args

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import Vendor
from vms_desk.jobs.store import JobStore
from vms_desk.sim.base import SimState
from vms_desk.sim.registry import RunningSim, start_sim

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"


@pytest.fixture(scope="module")
def axxon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSim]:
    sim = start_sim(
        Vendor.AXXON_ONE, state=SimState(export_seconds=0.3, workdir=tmp_path_factory.mktemp("sim"))
    )
    yield sim
    sim.stop()


def export_args(url: str, *extra: str, fmt: str = "mp4", span: list[str] | None = None) -> list[str]:
    return [
        "export",
        *server_args(Vendor.AXXON_ONE, url),
        "--camera",
        CAMERA,
        *(span or span_args()),
        "--format",
        fmt,
        *extra,
    ]


REFUSED = {
    "bad time": (["--start", "yesterday", "--end", "2026-01-01T00:00:00Z"], "mp4", [], "not a time"),
    "end before start": (
        ["--start", "2026-01-02T00:00:00Z", "--end", "2026-01-01T00:00:00Z"],
        "mp4",
        [],
        "before the start",
    ),
    "future span": (
        ["--start", "2099-01-01T00:00:00Z", "--end", "2099-01-01T00:01:00Z"],
        "mp4",
        [],
        "future",
    ),
    "span too long": (
        ["--start", "2025-01-01T00:00:00Z", "--end", "2025-03-01T00:00:00Z"],
        "mp4",
        [],
        "days",
    ),
    "croparea upside down": (None, "jpg", ["--option", "croparea=[[0.6,0.6],[0.1,0.1]]"], "croparea"),
    "croparea outside": (None, "jpg", ["--option", "croparea=[[0.1,0.1],[1.5,0.5]]"], "croparea"),
    "maskspace open": (
        None,
        "jpg",
        ["--option", "maskspace=[[[0.1,0.1],[0.5,0.1],[0.5,0.5],[0.2,0.9]]]"],
        "maskspace",
    ),
    "color": (None, "jpg", ["--option", "color=red"], "color"),
    "option misplaced": (None, "mp4", ["--option", "snapshotplace=[[0.1,0.1],[0.5,0.5]]"], "snapshotplace"),
    "unknown option": (None, "mp4", ["--option", "bogus=1"], "bogus"),
    "option syntax": (None, "mp4", ["--option", "novalue"], "KEY=VALUE"),
    "unknown format": (None, "mov", [], "mov"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_input_errors_exit_2_before_any_request(
    case: str, axxon: RunningSim, cli_home: Path, tmp_path: Path
) -> None:
    span, fmt, extra, words = REFUSED[case]
    before = len(axxon.state.requests)
    result = cli(cli_home, *export_args(axxon.url, "--out", str(tmp_path / "ev"), *extra, fmt=fmt, span=span))
    assert result.returncode == 2, result.stderr
    assert words.lower() in one_error_line(result.stderr).lower()
    assert result.stdout == ""
    assert len(axxon.state.requests) == before  # no server was contacted
    assert not (tmp_path / "ev").exists()


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--vendor", "milestone", "--url", "http://127.0.0.1:1"], {}, "unknown vendor"),
        (["--vendor", "axxon-one", "--url", "ftp://127.0.0.1"], {}, "http"),
        (
            ["--vendor", "axxon-one", "--url", "http://127.0.0.1:1", "--password-env", "VMS_TEST_UNSET"],
            {},
            "VMS_TEST_UNSET",
        ),
        (["--url", "http://127.0.0.1:1"], {}, "--vendor"),
    ],
    ids=["unknown vendor", "bad url", "missing password variable", "missing vendor"],
)
def test_server_argument_errors_exit_2(
    args: list[str], env: dict[str, str], words: str, cli_home: Path
) -> None:
    result = cli(
        cli_home, "export", "--camera", "1", *span_args(), "--format", "mp4", "--out", "x", *args, env=env
    )
    assert result.returncode == 2, result.stderr
    assert words.lower() in one_error_line(result.stderr).lower()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failed_job(home: Path) -> tuple[str, str]:
    jobs = JobStore(home / "jobs.sqlite3").jobs()
    assert len(jobs) == 1
    assert jobs[0].state is JobState.FAILED
    return jobs[0].id, jobs[0].error


@pytest.mark.parametrize("fault", ["unreachable", "wrong password", "5xx", "export fails"])
def test_server_failures_fail_the_job_with_one_line(
    fault: str, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    url, env = sim.url, {}
    if fault == "unreachable":
        url = f"http://127.0.0.1:{closed_port()}"
    elif fault == "wrong password":
        env = {"PW": "wrong"}
    elif fault == "5xx":
        sim.state.faults.update(fail_next=1000, fail_status=500)
    else:
        sim.state.faults.update(export_fails=1)
    out = tmp_path / "ev"
    result = cli(cli_home, *export_args(url, "--out", str(out), "--json"), env=env)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    job_id, reason = failed_job(cli_home)
    assert line == f"error: {reason}"
    reply = json.loads(result.stdout)
    assert (reply["state"], reply["job_id"], reply["error"]) == ("failed", job_id, reason)
    assert (reply["files"], reply["manifest"]) == ([], None)
    expected = {
        "unreachable": "cannot reach",
        "wrong password": "password",
        "5xx": "http 500",
        "export fails": "simulated fault",
    }[fault]
    assert expected in reason.lower()
    assert not list(out.rglob("*.part"))
    assert not list(out.rglob("manifest*"))
    assert not list(out.rglob("*.mp4"))


def test_browse_failure_is_one_line(cli_home: Path) -> None:
    result = cli(cli_home, "cameras", *server_args(Vendor.AXXON_ONE, f"http://127.0.0.1:{closed_port()}"))
    assert result.returncode == 1
    assert "cannot reach" in one_error_line(result.stderr).lower()
