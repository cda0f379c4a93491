"""`vms-desk probe` against each simulator, its trace replayed by a loopback server with the same result,
and no secret of the simulator's (the password, the tokens and session ids it issued) in the trace."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vms_desk.cli import main
from vms_desk.cli.probe import run_probe
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.sim.registry import RunningSim
from vms_desk.sim.replay import serve_replay
from vms_desk.workstation.trace import read_trace

PASSWORD = "Sup3r-Secret-pw"
OPTIONS: dict[Vendor, dict[str, Any]] = {Vendor.VDG_SENSE: {"path": "D:\\Exports"}}


def comparable(steps: list[Any]) -> list[tuple[str, str, str]]:
    """The steps as (name, outcome, text), without what differs between two runs (port, timing, job)."""
    kept = []
    for step in steps:
        text = step.text
        if step.name in ("reach", "export test"):
            text = ""  # the address and the timing; the job's id and folder
        if step.name == "recordings":
            # A recording still running ends "now" (Axis: no stop time yet), a moment later on replay.
            text = re.sub(r"\d\d:\d\d:\d\dZ", "hh:mm:ssZ", text)
        kept.append((step.name, step.outcome, text))
    return kept


@pytest.mark.asyncio
@pytest.mark.parametrize("vendor", list(Vendor))
async def test_probe_passes_and_its_trace_replayed_gives_the_same_report(
    vendor: Vendor, sim_factory: Callable[..., RunningSim], home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(vendor, password=PASSWORD)
    trace = tmp_path / "probe.jsonl"
    server = ServerConfig(vendor=vendor, url=sim.url, user="demo")
    options = OPTIONS.get(vendor, {})
    recorded = await run_probe(server, PASSWORD, export_test=True, options=options, trace_file=trace)
    assert all(s.passed for s in recorded), "\n".join(s.line() for s in recorded)
    assert [s.name for s in recorded] == [
        "reach",
        "TLS",
        "auth offered",
        "auth accepted",
        "version",
        "camera list",
        "recordings",
        "capabilities",
        "export test",
    ]

    replay = serve_replay(read_trace(trace))
    try:
        again = await run_probe(
            server.model_copy(update={"url": replay.url}), PASSWORD, export_test=True, options=options
        )
    finally:
        replay.stop()
    assert comparable(again) == comparable(recorded), "\n".join(s.line() for s in again)
    assert not replay.app.unmatched

    # Nothing secret in the trace: the password, and every token or session id the server issued.
    text = trace.read_text(encoding="utf-8")
    assert PASSWORD not in text
    for issued in issued_secrets(sim):
        assert issued not in text, issued


def issued_secrets(sim: RunningSim) -> list[str]:
    """Tokens and session ids as the simulator's clients sent them back (read from its request log)."""
    found: set[str] = set()
    for request in sim.state.requests:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            found.add(auth.split(" ", 1)[1])
        for name, value in request.params.items():
            if name.lower() in ("s", "token", "sessionid", "session", "access_token") and len(value) >= 4:
                found.add(value)
        if "cookie" in request.headers:
            found.update(p.split("=", 1)[-1].strip() for p in request.headers["cookie"].split(";"))
    return sorted(s for s in found if len(s) >= 4)


@pytest.fixture
def probe_cli(
    sim_factory: Callable[..., RunningSim], home: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., int]:
    """probe_cli(password, *more_args): `vms-desk probe` against a new Axxon One simulator."""

    def run(password: str, *more: str) -> int:
        sim = sim_factory(Vendor.AXXON_ONE)
        monkeypatch.setenv("PROBE_PW", password)
        server = ["--vendor", "axxon-one", "--url", sim.url, "--user", "demo", "--password-env", "PROBE_PW"]
        return main(["probe", *server, *more])

    return run


def test_probe_command_prints_one_line_a_step_and_exits_0(
    probe_cli: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "t.jsonl"
    assert probe_cli("demo", "--trace", str(trace)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok      reach: ")
    assert (
        'ok      auth offered: GET /product/version without credentials: HTTP 401, Basic realm="AxxonOne"'
        in lines
    )
    assert "ok      auth accepted: Basic (HTTP 200 at /product/version)" in lines
    assert "skipped export test: not asked for (--export-test)" in lines
    assert all(json.loads(line)["request"] for line in trace.read_text(encoding="utf-8").splitlines())


def test_a_wrong_password_fails_the_login_step_with_the_servers_words(
    probe_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert probe_cli("wrong") == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("failed")]
    assert len(failed) == 1
    assert failed[0].startswith("failed  auth accepted: ")
    assert "Server said: HTTP 401" in failed[0]


@pytest.mark.asyncio
async def test_over_https_the_fingerprint_is_shown_and_a_pinned_server_exports_through_the_trace(
    https_sim: tuple[str, str], home: Path, tmp_path: Path
) -> None:
    url, pin = https_sim
    server = ServerConfig(vendor=Vendor.AXXON_ONE, url=url, user="demo")
    untrusted = await run_probe(server, "demo")
    tls = next(s for s in untrusted if s.name == "TLS")
    assert (
        tls.line() == f"ok      TLS: certificate SHA-256 {pin}; compare it with what the administrator says"
    )
    assert not all(s.passed for s in untrusted)  # the login is refused: the certificate is not trusted

    trace = tmp_path / "pinned.jsonl"
    pinned = server.model_copy(update={"settings": {"tls_sha256": pin}})
    steps = await run_probe(pinned, "demo", export_test=True, trace_file=trace)
    assert all(s.passed for s in steps), "\n".join(s.line() for s in steps)
    assert next(s for s in steps if s.name == "TLS").text.endswith("(the trusted one)")
    # The export test's requests went through the traced (and pinned) client too.
    assert "/export/archive/" in trace.read_text(encoding="utf-8")
