"""Bad input from users through `vms-desk` (beyond test_cli_errors.py): years, daylight saving, odd
polygons, unknown cameras, a folder that cannot be written, a disk that fills up."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import (
    FORMATS,
    SCRIPT,
    available_vendors,
    cli,
    json_out,
    one_error_line,
    server_args,
    span_args,
)

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import Vendor
from vms_desk.jobs.store import JobStore
from vms_desk.sim.base import LoggedRequest
from vms_desk.sim.registry import RunningSim

AXXON_CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
VDG_PATH = ["--option", "path=D:\\Exports\\vms_desk"]


def export_args(
    url: str, out: Path, *extra: str, span: list[str] | None = None, fmt: str = "mp4"
) -> list[str]:
    return [
        "export",
        *server_args(Vendor.AXXON_ONE, url),
        "--camera",
        AXXON_CAMERA,
        *(span or span_args(1)),
        "--format",
        fmt,
        "--out",
        str(out),
        *extra,
    ]


def only_job(home: Path) -> tuple[JobState, str]:
    jobs = JobStore(home / "jobs.sqlite3").jobs()
    assert len(jobs) == 1
    return jobs[0].state, jobs[0].error


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- times --------------------------------------------------------------------------------------------
REFUSED_TIMES = {
    "ten years": (["--start", "2015-06-01T00:00:00Z", "--end", "2025-06-01T00:00:00Z"], "3653 days"),
    "five-digit year": (["--start", "2025-06-01T00:00:00Z", "--end", "20250-06-01T00:00:00Z"], "not a time"),
    "year typo in the future": (
        ["--start", "2025-06-01T00:00:00Z", "--end", "2052-06-01T00:00:00Z"],
        "future",
    ),
    # Europe/Berlin: 2025-03-30 02:00 jumps to 03:00; 2025-10-26 03:00 falls back to 02:00.
    "skipped by DST": (["--start", "2025-03-30T02:30:00", "--end", "2025-03-30T04:00:00"], "does not exist"),
    "repeated by DST": (["--start", "2025-10-26T01:00:00", "--end", "2025-10-26T02:30:00"], "happens twice"),
}


@pytest.mark.parametrize("case", list(REFUSED_TIMES))
def test_times_refused_before_any_request(
    case: str, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    span, words = REFUSED_TIMES[case]
    result = cli(cli_home, *export_args(sim.url, tmp_path / "ev", span=span), env={"TZ": "Europe/Berlin"})
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert words in line
    assert sim.state.requests == []
    assert not (tmp_path / "ev").exists()


@pytest.mark.parametrize(
    ("start", "end", "utc_begin", "utc_end"),
    [
        # Across the autumn change: 01:30 CEST to 03:30 CET is three hours, not two.
        ("2025-10-26T01:30:00", "2025-10-26T03:30:00", "20251025T233000", "20251026T023000"),
        # Across the spring change: 01:30 CET to 03:30 CEST is one hour.
        ("2025-03-30T01:30:00", "2025-03-30T03:30:00", "20250330T003000", "20250330T013000"),
    ],
    ids=["autumn", "spring"],
)
def test_naive_span_across_dst_is_sent_in_utc(
    start: str,
    end: str,
    utc_begin: str,
    utc_end: str,
    sim_factory: Callable[..., RunningSim],
    cli_home: Path,
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    result = cli(
        cli_home,
        "recordings",
        *server_args(Vendor.AXXON_ONE, sim.url),
        "--camera",
        AXXON_CAMERA,
        "--start",
        start,
        "--end",
        end,
        "--json",
        env={"TZ": "Europe/Berlin"},
    )
    assert result.returncode == 0, result.stderr
    asked = [r.path for r in sim.state.requests if "/intervals/" in r.path]
    assert asked == [f"/archive/contents/intervals/{AXXON_CAMERA}/{utc_end}/{utc_begin}"]


# --- polygons -----------------------------------------------------------------------------------------
BOW_TIE = "[[[0.1,0.1],[0.5,0.5],[0.5,0.1],[0.1,0.5],[0.1,0.1]]]"
REFUSED_SHAPES = {
    "bow tie": (f"maskspace={BOW_TIE}", "edges cross"),
    "nested too deeply": ("maskspace=" + "[" * 50_000 + "]" * 50_000, "maskspace"),
    "NaN corner": ("maskspace=[[[NaN,0.1],[0.5,0.1],[0.5,0.5],[NaN,0.1]]]", "maskspace"),
    "infinite corner": ("maskspace=[[[0.1,0.1],[Infinity,0.1],[0.5,0.5],[0.1,0.1]]]", "maskspace"),
    "text": ("maskspace=everything", "maskspace"),
    "no polygon": ("maskspace=[]", "one or more polygons"),
    "croparea of no width": ("croparea=[[0.2,0.2],[0.2,0.6]]", "above and to the left"),
}


@pytest.mark.parametrize("case", list(REFUSED_SHAPES))
def test_bad_shapes_are_one_line_exit_2(
    case: str, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    option, words = REFUSED_SHAPES[case]
    result = cli(cli_home, *export_args(sim.url, tmp_path / "ev", "--option", option, fmt="jpg"))
    assert result.returncode == 2, result.stderr[-2000:]
    line = one_error_line(result.stderr)
    assert words in line
    assert len(line) < 400  # a sentence, not the value echoed back
    assert sim.state.requests == []


# --- cameras ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", available_vendors(), ids=lambda v: v.value)
def test_unknown_camera_names_it_and_how_to_list(
    vendor: Vendor, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(vendor)
    server = server_args(vendor, sim.url)
    extra = VDG_PATH if vendor is Vendor.VDG_SENSE else []
    result = cli(
        cli_home,
        "export",
        *server,
        "--camera",
        "Cam-42-nowhere",
        *span_args(1),
        "--format",
        FORMATS[vendor],
        *extra,
        "--out",
        str(tmp_path / "ev"),
        "--json",
    )
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert "'Cam-42-nowhere'" in line
    assert "`vms-desk cameras`" in line
    state, reason = only_job(cli_home)
    assert (state, line) == (JobState.FAILED, f"error: {reason}")
    assert json_out(result)["error"] == reason
    assert files_under(tmp_path / "ev") == []
    if vendor in (Vendor.AXXON_ONE, Vendor.VDG_SENSE):
        # `recordings` says the same (VDG Sense would otherwise answer "unknown" for any id).
        listed = cli(cli_home, "recordings", *server, "--camera", "Cam-42-nowhere", *span_args(60))
        assert listed.returncode == 1
        assert "'Cam-42-nowhere'" in one_error_line(listed.stderr)
        assert "`vms-desk cameras`" in listed.stderr


# --- the evidence folder ------------------------------------------------------------------------------
def test_output_folder_not_writable(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    if os.geteuid() == 0:
        # The administrator passes every permission check: a path under a regular file fails for anyone.
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x", encoding="utf-8")
        out, words = blocker / "evidence", "cannot be created"
    else:
        out = tmp_path / "read-only"
        out.mkdir()
        out.chmod(0o500)
        words = "not writable"
    result = cli(cli_home, *export_args(sim.url, out))
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert words in line
    assert str(out) in line
    assert "--out" in line
    assert sim.state.requests == []  # refused before the server was asked anything


@contextlib.contextmanager
def tmpfs(folder: Path, size: str, *options: str) -> Iterator[Path]:
    """A tiny tmpfs at `folder` (only where this process may mount: root with CAP_SYS_ADMIN)."""
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    opts = ",".join([f"size={size}", *options])
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def test_read_only_disk_is_refused_even_for_the_administrator(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    with tmpfs(tmp_path / "ro", "64k", "ro") as out:
        result = cli(cli_home, *export_args(sim.url, out))
    assert result.returncode == 2, result.stderr
    assert "not writable" in one_error_line(result.stderr)
    assert sim.state.requests == []


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        # Writes past `limit` bytes then fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_limited(home: Path, args: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    env = {**os.environ, "VMS_DESK_HOME": str(home), "PW": "demo"}
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        preexec_fn=_limit_file_size(limit),
    )


def check_disk_full(
    result: subprocess.CompletedProcess[str], home: Path, out: Path, sim: RunningSim, words: list[str]
) -> None:
    """One line saying so, the job failed with that reason, nothing left, the server released."""
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    for word in words:
        assert word in line, line
    state, reason = only_job(home)
    assert (state, line) == (JobState.FAILED, f"error: {reason}")
    reply = json_out(result)
    assert (reply["state"], reply["error"], reply["files"], reply["manifest"]) == ("failed", reason, [], None)
    assert files_under(out) == []  # no file promoted, no .part, no manifest or its temp file
    assert [r for r in sim.state.requests if r.method == "DELETE"]  # the server's copy released


def test_disk_full_while_downloading(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    # 512 KiB per file: the store and its WAL stay below it (about 100 KiB with its four schema steps),
    # a 120 s video (about 900 KiB) does not.
    limit = 512 * 1024
    sim = sim_factory(Vendor.AXXON_ONE)
    out = tmp_path / "ev"
    # The log is full too: its failing writes must not reach the console.
    (cli_home / "logs").mkdir()
    (cli_home / "logs" / "vms_desk.log").write_bytes(b"." * limit)
    result = run_limited(cli_home, [*export_args(sim.url, out, span=span_args(120)), "--json"], limit)
    check_disk_full(result, cli_home, out, sim, ["cannot be written", "File too large", "disk has space"])


def test_disk_full_on_a_tiny_disk(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    with tmpfs(tmp_path / "small", "16k") as out:
        result = cli(cli_home, *export_args(sim.url, out, "--json", span=span_args(12)))
        check_disk_full(result, cli_home, out, sim, ["No space left on device", "disk has space"])


def test_disk_full_when_the_manifest_is_written(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    with tmpfs(tmp_path / "small", "1m") as out:
        filler = out / "filler"

        async def fill_when_released(request: LoggedRequest) -> None:
            # The release is asked for once every file is verified: the manifest comes next.
            if request.method == "DELETE" and not filler.exists():
                with filler.open("wb") as handle, contextlib.suppress(OSError):
                    while True:
                        handle.write(b"\0" * 4096)
                        handle.flush()

        sim.state.on_request = fill_when_released
        result = cli(cli_home, *export_args(sim.url, out, "--json"))
        filler.unlink()
        check_disk_full(result, cli_home, out, sim, ["manifest cannot be written", "No space left on device"])
