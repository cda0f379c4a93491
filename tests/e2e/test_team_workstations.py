"""A team on one PostgreSQL store: two workstations export at once, a supervisor process watches both live,
one workstation is killed (SIGKILL) mid-download, the supervisor sees its job interrupted within the
lease, and that workstation's restart resumes the job to the simulator's own bytes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import FORMATS, cli, first_camera, server_args, span_args
from crash_helpers import Run, served_files, sha256

from vms_desk.core.models import Vendor
from vms_desk.jobs.engine import LEASE_SECONDS
from vms_desk.sim.registry import RunningSim

THROTTLE = 256 * 1024  # bytes/s: each ~1.8 MB download takes about 7 s, long enough to watch and kill
# The supervisor: a workstation of its own (its engine sweeps for dead owners) that writes a line each
# time a job's state or byte count changes as it reads the store.
SUPERVISOR = r"""
import asyncio, json, sys, time
from vms_desk.workstation.root import Workstation

async def main() -> None:
    ws = Workstation.open()
    ws.engine.start()
    seen = {}
    with open(sys.argv[1], "a", encoding="utf-8") as out:
        while True:
            for r in ws.store.jobs():
                now = (str(r.state), r.bytes_done)
                if seen.get(r.id) != now:
                    seen[r.id] = now
                    line = {"t": time.time(), "id": r.id, "ws": r.workstation}
                    out.write(json.dumps({**line, "state": now[0], "bytes": now[1]}) + "\n")
                    out.flush()
            await asyncio.sleep(0.1)

asyncio.run(main())
"""


def _seen(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _wait(log: Path, what: str, test: Callable[[list[dict[str, Any]]], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test(_seen(log)):
            return
        time.sleep(0.05)
    raise AssertionError(f"the supervisor did not see {what} within {timeout} s: {_seen(log)[-6:]}")


def _downloading(ws: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda lines: any(x["ws"] == ws and x["state"] == "downloading" and x["bytes"] > 0 for x in lines)


@pytest.mark.slow
def test_two_workstations_and_a_supervisor_share_one_team_store(
    sim_factory: Callable[..., RunningSim],
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VMS_DESK_STORE_URL", pg_url)  # every process below uses the team store
    sim = sim_factory(Vendor.AXXON_ONE, export_seconds=0.5)
    homes = {name: tmp_path / name for name in ("ws-a", "ws-b", "sup")}
    for home in homes.values():
        home.mkdir()
    camera = first_camera(homes["ws-a"], Vendor.AXXON_ONE, sim.url)
    sim.state.faults.update(throttle_bps=THROTTLE)
    log = tmp_path / "supervisor.jsonl"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(log)],
        env={**__import__("os").environ, "VMS_DESK_HOME": str(homes["sup"]), "VMS_DESK_WORKSTATION": "sup"},
    )
    runs: dict[str, Run] = {}
    try:
        with served_files(sim.state.workdir, tmp_path / "served") as served:
            for name in ("ws-a", "ws-b"):
                runs[name] = Run(
                    homes[name],
                    "export", *server_args(Vendor.AXXON_ONE, sim.url), "--camera", camera,
                    *span_args(240), "--format", FORMATS[Vendor.AXXON_ONE],
                    "--out", str(tmp_path / f"evidence-{name}"), "--json",
                    env={"VMS_DESK_WORKSTATION": name},
                )  # fmt: skip
            # Both downloads run at once, and the supervisor sees both move.
            _wait(
                log,
                "both workstations downloading",
                lambda s: _downloading("ws-a")(s) and _downloading("ws-b")(s),
            )
            runs["ws-a"].kill()
            killed_at = time.time()
            _wait(
                log,
                "ws-a's job interrupted",
                lambda s: any(x["ws"] == "ws-a" and x["state"] == "interrupted" for x in s),
                timeout=LEASE_SECONDS + 5,
            )
            seen_at = next(x["t"] for x in _seen(log) if x["ws"] == "ws-a" and x["state"] == "interrupted")
            assert seen_at - killed_at < LEASE_SECONDS
            finished_b = runs["ws-b"].finish(timeout=60)  # `export --json`: one object per camera
            assert finished_b["state"] == "done", finished_b
            # ws-b's engine does not take ws-a's job: its files and .part are on ws-a.
            assert cli(
                homes["ws-b"],
                "resume",
                "--password-env",
                "PW",
                "--json",
                env={"VMS_DESK_WORKSTATION": "ws-b"},
            ).stdout.strip() in ("[]", "")
            sim.state.faults.update(throttle_bps=0)
            resumed = Run(
                homes["ws-a"],
                "resume",
                "--password-env",
                "PW",
                "--json",
                env={"VMS_DESK_WORKSTATION": "ws-a"},
            ).finish(timeout=60)
        _wait(
            log, "both jobs done", lambda s: {x["ws"] for x in s if x["state"] == "done"} == {"ws-a", "ws-b"}
        )
    finally:
        supervisor.kill()
        supervisor.wait(10)
        for run in runs.values():
            if run.proc.poll() is None:
                run.kill()
    assert [j["state"] for j in resumed] == ["done"], resumed
    served_hashes = {sha256(p) for p in served.rglob("*") if p.is_file()}
    for job in (resumed[0], finished_b):
        assert job["files"], job
        assert {f["sha256"] for f in job["files"]} <= served_hashes
        for file in job["files"]:
            assert sha256(Path(file["path"])) == file["sha256"]  # the bytes on disk, hashed here
    listed = json.loads(cli(homes["sup"], "jobs", "--json").stdout)
    assert sorted((j["workstation"], j["state"]) for j in listed) == [("ws-a", "done"), ("ws-b", "done")]
    # Both workstations' exports and the resume are in the one team chain, which verifies.
    chain = cli(homes["sup"], "audit", "verify")
    assert chain.returncode == 0, chain.stderr
    audit = cli(homes["sup"], "audit", "--json")
    entries = json.loads(audit.stdout)
    by = {(e["workstation"], e.get("job_id")) for e in entries}
    assert ("ws-a", resumed[0]["job_id"]) in by  # the entries name the workstation that did it
    assert ("ws-b", finished_b["job_id"]) in by
