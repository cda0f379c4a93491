"""`vms-desk batch FILE`: one export across vendors from a JSON-lines file, over real sockets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cli_helpers import cli, first_camera, json_out, one_error_line, span_args

from vms_desk.core.models import Vendor
from vms_desk.sim.registry import RunningSim


def _line(vendor: Vendor, url: str, cameras: list[str], **extra: object) -> str:
    entry = {"vendor": vendor.value, "url": url, "user": "demo", "password_env": "PW", "cameras": cameras}
    return json.dumps({**entry, **extra})


def test_three_servers_one_unreachable(
    cli_home: Path, sim_factory: Callable[..., RunningSim], tmp_path: Path
) -> None:
    axis, axxon = sim_factory(Vendor.AXIS), sim_factory(Vendor.AXXON_ONE)
    axxon_camera = first_camera(cli_home, Vendor.AXXON_ONE, axxon.url)
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "# one server a line\n"
        + _line(Vendor.AXIS, axis.url, ["1"], format="mkv")
        + "\n"
        + _line(Vendor.AXXON_ONE, axxon.url, [axxon_camera])  # format left out: mp4, court-playable
        + "\n\n"
        + _line(Vendor.AXIS, "http://127.0.0.1:9", ["1"], format="mkv")  # nothing listens there
        + "\n",
        encoding="utf-8",
    )
    result = cli(
        cli_home, "batch", str(batch), *span_args(), "--out", str(tmp_path / "ev"), "--case", "B-1", "--json"
    )
    assert result.returncode == 1
    jobs = json_out(result)
    assert [j["state"] for j in jobs] == ["done", "done", "failed"]
    assert jobs[2]["error"]
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1
    assert "case B-1 did not exist: created it (open)" in result.stderr
    board = json_out(cli(cli_home, "jobs", "--json", "--case", "B-1"))
    assert sorted(r["vendor"] for r in board) == ["axis", "axis", "axxon-one"]
    assert [r["format"] for r in board if r["vendor"] == "axxon-one"] == ["mp4"]


def test_a_bad_line_is_refused_naming_it(cli_home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"vendor": "axis", "url": "http://127.0.0.1:9", "cameras": ["1"]}\n{"vendor": "axis"\n')
    result = cli(cli_home, "batch", str(batch), *span_args(), "--out", str(tmp_path / "ev"))
    assert result.returncode == 2
    assert "Line 2 of the batch file is not JSON" in one_error_line(result.stderr)
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"vendor": "nope", "url": "http://127.0.0.1:9", "cameras": ["1"]}\n')
    result = cli(cli_home, "batch", str(unknown), *span_args(), "--out", str(tmp_path / "ev"))
    assert result.returncode == 2
    assert one_error_line(result.stderr).startswith("error: Line 1 of the batch file:")
    no_format = tmp_path / "no-format.jsonl"
    no_format.write_text('{"vendor": "exacq", "url": "http://127.0.0.1:9", "cameras": ["1"]}\n')
    result = cli(cli_home, "batch", str(no_format), *span_args(), "--out", str(tmp_path / "ev"))
    assert result.returncode == 2
    assert "give its 'format'" in one_error_line(result.stderr)
