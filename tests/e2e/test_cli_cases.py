"""`vms-desk case ...`, `export --case` and `jobs --json` filters, over real sockets; manifest v2."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import cli, first_camera, json_out, one_error_line, server_args, span_args

from vms_desk.core.models import Vendor
from vms_desk.sim.registry import RunningSim


@pytest.mark.parametrize("number", ["../up", "C:x", "a\\b", "x" * 300])
def test_a_bad_case_number_is_exit_2_with_one_sentence(cli_home: Path, number: str) -> None:
    result = cli(cli_home, "case", "new", number)
    assert result.returncode == 2
    assert "case number" in one_error_line(result.stderr)


def test_new_list_show_close_reopen(cli_home: Path) -> None:
    assert cli(cli_home, "case", "new", "2026-0412", "--title", "Till 3").returncode == 0
    listed = json_out(cli(cli_home, "case", "list", "--json"))
    assert [(c["number"], c["title"], c["status"], c["exports"]) for c in listed] == [
        ("2026-0412", "Till 3", "open", 0)
    ]
    assert listed[0]["created"].endswith("Z")
    closed = cli(cli_home, "case", "close", "2026-0412")
    assert (closed.returncode, closed.stdout) == (0, "case 2026-0412 is closed\n")
    shown = json_out(cli(cli_home, "case", "show", "2026-0412", "--json"))
    assert (shown["status"], shown["exports"]) == ("closed", [])
    assert cli(cli_home, "case", "reopen", "2026-0412").stdout == "case 2026-0412 is open\n"
    audit = json_out(cli(cli_home, "audit", "--json"))
    assert [(e["action"], e["outcome"]) for e in audit if e["action"] == "case"] == [
        ("case", "created"),
        ("case", "closed"),
        ("case", "reopened"),
    ]
    missing = cli(cli_home, "case", "show", "nope")
    assert missing.returncode == 2
    assert "There is no case nope" in one_error_line(missing.stderr)


def test_export_into_a_closed_case_is_refused_saying_how_to_reopen(
    cli_home: Path, sim_factory: Callable[..., RunningSim], tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXIS)
    assert cli(cli_home, "case", "new", "C-1").returncode == 0
    assert cli(cli_home, "case", "close", "C-1").returncode == 0
    result = cli(
        cli_home, "export", *server_args(Vendor.AXIS, sim.url), "--camera", "1", *span_args(),
        "--format", "mkv", "--out", str(tmp_path / "ev"), "--case", "C-1",
    )  # fmt: skip
    assert result.returncode == 2
    assert "vms-desk case reopen C-1" in one_error_line(result.stderr)
    assert sim.state.requests == []  # refused before any server was contacted


def test_a_server_90_s_fast_shows_in_the_manifest_and_on_the_board(
    cli_home: Path, sim_factory: Callable[..., RunningSim], tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.VDG_SENSE)
    sim.state.faults.update(clock_offset_s=90.0)
    camera = first_camera(cli_home, Vendor.VDG_SENSE, sim.url)
    result = cli(
        cli_home, "export", *server_args(Vendor.VDG_SENSE, sim.url), "--camera", camera, *span_args(),
        "--format", "native", "--option", "path=D:\\Exports\\vms_desk", "--out", str(tmp_path / "ev"),
        "--case", "FAST-1", "--operator", "alice", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == "case FAST-1 did not exist: created it (open)\n"
    manifest = json.loads(Path(json_out(result)["manifest"]).read_text(encoding="utf-8"))
    assert manifest["format_version"] == 2
    clock = manifest["clock"]
    assert clock["method"] == "vendor"
    assert abs(clock["server_offset_s"] - 90) <= clock["resolution_s"] + 0.1
    assert clock["measured_at"].endswith("Z")
    assert manifest["source"]["server_version"]
    assert set(manifest["workstation"]) == {"host", "tz", "utc_offset"}
    assert "httpx" in manifest["app"]["libraries"]
    warned = [e["detail"] for e in manifest["events"] if "s fast against this workstation" in e["detail"]]
    assert len(warned) == 1, manifest["events"]
    assert re.search(r"is (89|90)\.\d s fast", warned[0]), warned
    assert cli(cli_home, "verify", str(tmp_path / "ev")).returncode == 0

    axis = sim_factory(Vendor.AXIS)
    second = cli(
        cli_home, "export", *server_args(Vendor.AXIS, axis.url), "--camera", "1", *span_args(),
        "--format", "mkv", "--out", str(tmp_path / "ev"), "--case", "FAST-1", "--operator", "bob", "--json",
    )  # fmt: skip
    assert (second.returncode, second.stderr) == (0, "")  # the case exists now: no line

    board = json_out(cli(cli_home, "jobs", "--json", "--case", "FAST-1", "--operator", "alice"))
    assert len(board) == 1
    row = board[0]
    assert (row["case"], row["operator"], row["vendor"], row["state"]) == (
        "FAST-1",
        "alice",
        "vdg-sense",
        "done",
    )
    assert abs(row["clock_offset_s"] - 90) < 2
    assert row["workstation"]
    assert row["requested"]["start"].endswith("Z")
    bob = json_out(cli(cli_home, "jobs", "--json", "--operator", "bob"))
    assert [(r["vendor"], r["sha256_short"]) for r in bob] == [("axis", bob[0]["sha256"][:12])]
    assert abs(bob[0]["clock_offset_s"]) < 2
    assert json_out(cli(cli_home, "jobs", "--json", "--state", "failed")) == []
    assert len(json_out(cli(cli_home, "jobs", "--json", "--state", "done", "--case", "FAST-1"))) == 2
    assert len(json_out(cli(cli_home, "jobs", "--json", "--since", "2020-01-01T00:00:00Z"))) == 2
    assert json_out(cli(cli_home, "jobs", "--json", "--since", "2100-01-01T00:00:00Z")) == []
    bad = cli(cli_home, "jobs", "--state", "finished")
    assert bad.returncode == 2
    assert "is not a job state" in one_error_line(bad.stderr)
