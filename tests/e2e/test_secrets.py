"""Secrets never leave memory: real CLI exports for every vendor (good, wrong password, 5xx, vendor
failure, `--json`), then every file vms_desk wrote and everything it printed is searched for each
secret in raw, URL-encoded and base64 form, and for the session tokens the servers handed out. While
each command runs, its command line must not hold a secret: passwords come from the environment."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from cli_helpers import FORMATS, SCRIPT, available_vendors, json_out, span_args

from vms_desk.core.models import Vendor
from vms_desk.sim.base import LoggedRequest
from vms_desk.sim.registry import RunningSim

CAMERAS = {
    Vendor.AXXON_ONE: "Server1/DeviceIpint.1/SourceEndpoint.video:0:0",
    Vendor.AXXON_PSIM: "1",
    Vendor.VDG_SENSE: "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001/D3A1B2C4-0000-4000-8000-000000000001",
    Vendor.EXACQ: "1001",
    Vendor.AXIS: "1",
}
USER = "demo"


def secret(kind: str, vendor: Vendor) -> str:
    """A distinctive secret with characters that every encoding changes (& = / + % space)."""
    return f"Qz7{kind}K9-{vendor.value}-s3cr&t=/+%41 x"


def forms(value: str) -> set[str]:
    """The ways a secret could be written out: raw, URL-encoded, base64 (alone and as Basic auth)."""
    found = {
        value,
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        quote_plus(value, safe="/"),
        str(httpx.QueryParams({"p": value}))[2:],
        str(httpx.URL("http://h/", params={"p": value}).query.decode())[2:],
    }
    for raw in (value, f"{USER}:{value}"):
        data = raw.encode()
        found |= {base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()}
    # The distinctive head alone catches an encoding not thought of here.
    found.add(value.split("-", maxsplit=1)[0])
    return {f for f in found if len(f) >= 6}


def issued_tokens(requests: list[LoggedRequest]) -> set[str]:
    """Session ids and tokens the simulators handed out, as the client sent them back."""
    tokens: set[str] = set()
    for request in requests:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value:
            tokens.add(value)
        for part in request.headers.get("cookie", "").split(";"):
            if "=" in part and (cookie := part.split("=", 1)[1].strip()):
                tokens.add(cookie)
        params = request.params
        for name in ("s", "token"):
            if params.get(name, "") not in ("", "0"):
                tokens.add(params[name])
    return {t for t in tokens if len(t) >= 8}


@dataclass
class Run:
    """One CLI command: what it printed and every command line it showed while it ran."""

    result: subprocess.CompletedProcess[str]
    cmdlines: list[bytes]


def run_cli(home: Path, args: list[str], env: dict[str, str]) -> Run:
    """`vms-desk ARGS` as a subprocess, reading /proc/<pid>/cmdline while it runs."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "vms_desk"]
    full_env = {**os.environ, "VMS_DESK_HOME": str(home), **env}
    seen: list[bytes] = []
    with subprocess.Popen(
        [*command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    ) as process:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                seen.append(Path(f"/proc/{process.pid}/cmdline").read_bytes())
            except OSError:
                break
            time.sleep(0.05)
        out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    assert seen, "the command line was never read"
    return Run(result, seen)


def export_args(vendor: Vendor, sim: RunningSim, out: Path) -> list[str]:
    args = [
        "export",
        "--vendor",
        vendor.value,
        "--url",
        sim.url,
        "--user",
        USER,
        "--password-env",
        "VMS_PW",
        "--camera",
        CAMERAS[vendor],
        *span_args(1),
        "--format",
        FORMATS[vendor],
        "--out",
        str(out),
    ]
    if vendor is Vendor.VDG_SENSE:
        args += ["--option", "path=D:\\Exports\\secrets"]
    if vendor is Vendor.AXIS:
        # The ZIP password comes from the environment too.
        args += ["--option", "encryptionformat=zip-aes256", "--option-env", "password=VMS_ZIP_PW"]
    return args


def scan(secrets: set[str], home: Path, out: Path, runs: list[Run]) -> list[str]:
    """Where any of the secrets shows up: files (store, WAL, logs, audit, manifests...), output, argv."""
    leaks = []
    files = [p for root in (home, out) if root.exists() for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "jobs.sqlite3" for p in files)
    for path in files:
        data = path.read_bytes()
        leaks += [f"{path}: {s!r}" for s in secrets if s.encode() in data]
    for number, run in enumerate(runs):
        printed = run.result.stdout + run.result.stderr
        leaks += [f"run {number} output: {s!r}" for s in secrets if s in printed]
        for line in run.cmdlines:
            leaks += [f"run {number} command line: {s!r}" for s in secrets if s.encode() in line]
    return leaks


FAULTS: dict[str, Callable[[RunningSim], None]] = {
    "good": lambda sim: None,
    "5xx": lambda sim: sim.state.faults.update(fail_next=1000),
    "vendor failure": lambda sim: sim.state.faults.update(export_fails=1),
}


@pytest.mark.parametrize("vendor", available_vendors(), ids=lambda v: v.value)
def test_no_secret_is_written_printed_or_shown(
    vendor: Vendor, sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    password, wrong, zip_password = (secret(k, vendor) for k in ("Pw", "Wr", "Zp"))
    sim = sim_factory(vendor, password=password)
    if vendor is Vendor.AXXON_ONE:
        # Refuse Basic on the legacy paths, so the client also holds a Bearer token from /grpc.
        switches = {"basic_legacy_401": True, "basic_camera_list_401": True}
        httpx.post(f"{sim.url}/_sim/axxon-one", json=switches).raise_for_status()
    out = tmp_path / "evidence"
    env = {"VMS_PW": password, "VMS_ZIP_PW": zip_password}
    runs = []
    for name, arm in FAULTS.items():
        sim.state.faults.reset()
        arm(sim)
        run = run_cli(cli_home, [*export_args(vendor, sim, out), "--json"], env)
        expected = 0 if name == "good" else 1
        assert run.result.returncode == expected, (name, run.result.stderr)
        assert json_out(run.result)["state"] == ("done" if name == "good" else "failed")
        runs.append(run)
    sim.state.faults.reset()
    refused = run_cli(cli_home, export_args(vendor, sim, out), {**env, "VMS_PW": wrong})
    assert refused.result.returncode == 1
    assert "password" in refused.result.stderr.lower()
    runs.append(refused)
    # What a supervisor looks at afterwards.
    for command in (["jobs", "--json"], ["audit", "--json"]):
        runs.append(run_cli(cli_home, command, {}))
        assert runs[-1].result.returncode == 0, runs[-1].result.stderr

    # The servers did get the secrets (the test would prove nothing otherwise) ...
    if vendor is Vendor.AXIS:
        assert any(zip_password in r.params.get("password", "") for r in sim.state.requests)
    tokens = issued_tokens(sim.state.requests)
    if vendor is not Vendor.AXIS:  # Axis answers a Digest challenge per request: no session
        assert tokens  # sessions or tokens were handed out and must stay in memory too
    # ... but vms_desk kept none of them.
    everything = forms(password) | forms(wrong) | forms(zip_password) | tokens
    assert scan(everything, cli_home, out, runs) == []
