"""`--setting KEY=VALUE`: per-server settings from the command line (share mapping, prefix, TLS pin)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import cli, json_out, one_error_line, server_args, span_args

from vms_desk.core.models import Vendor
from vms_desk.evidence.verify import verify
from vms_desk.sim.axxon_one import build as build_axxon_one
from vms_desk.sim.base import SimServer, SimState
from vms_desk.sim.registry import RunningSim
from vms_desk.sim.vdg_sense import disk_root

AXXON_CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
VDG_CAMERA = "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001/D3A1B2C4-0000-4000-8000-000000000001"


def test_vdg_export_with_share_mapping_gives_files_hashes_and_manifest(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.VDG_SENSE)
    share = disk_root(sim.state) / "D" / "Exports"  # where the simulated server's D:\Exports is
    share.mkdir(parents=True)
    out = tmp_path / "evidence"
    result = cli(
        cli_home,
        "export",
        *server_args(Vendor.VDG_SENSE, sim.url),
        "--setting",
        "share_server_prefix=D:\\Exports",
        "--setting",
        f"share_local_path={share}",
        "--camera",
        VDG_CAMERA,
        *span_args(1),
        "--format",
        "native",
        "--option",
        "path=d:\\exports\\Case 9",  # Windows paths compare case-insensitively
        "--out",
        str(out),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    job = json_out(result)
    assert job["state"] == "done"
    assert job["files"]
    on_server = {hashlib.sha256(p.read_bytes()).hexdigest() for p in share.rglob("*") if p.is_file()}
    for entry in job["files"]:
        data = Path(entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
        assert entry["sha256"] in on_server  # the very file the server wrote on its share
    assert Path(job["manifest"]).is_file()
    assert verify(out).ok
    assert not list(out.rglob("*.part"))


@pytest.fixture
def prefixed(tmp_path: Path) -> Iterator[str]:
    """An Axxon One Web-Server under the prefix /asip-api."""
    server = SimServer(build_axxon_one(SimState(workdir=tmp_path, export_seconds=0.2), prefix="/asip-api"))
    server.start()
    yield server.url
    server.stop()


def test_axxon_one_prefix(prefixed: str, cli_home: Path) -> None:
    plain = cli(cli_home, "cameras", *server_args(Vendor.AXXON_ONE, prefixed))
    assert plain.returncode == 1
    with_prefix = cli(
        cli_home, "cameras", *server_args(Vendor.AXXON_ONE, prefixed), "--setting", "prefix=/asip-api"
    )
    assert with_prefix.returncode == 0, with_prefix.stderr
    assert AXXON_CAMERA in with_prefix.stdout


def test_tls_pin_from_the_command_line(https_sim: tuple[str, str], cli_home: Path, tmp_path: Path) -> None:
    url, pin = https_sim
    server = server_args(Vendor.AXXON_ONE, url)
    untrusted = cli(cli_home, "cameras", *server)
    assert untrusted.returncode == 1
    assert "not trusted" in one_error_line(untrusted.stderr)

    wrong = cli(cli_home, "cameras", *server, "--setting", "tls_sha256=" + "AB:" * 31 + "AB")
    assert wrong.returncode == 1
    assert "has changed since it was trusted" in one_error_line(wrong.stderr)

    pinned = ["--setting", "tls_sha256=" + pin.replace(":", "").lower()]  # any spelling of the digits
    exported = cli(
        cli_home,
        "export",
        *server,
        *pinned,
        "--camera",
        AXXON_CAMERA,
        *span_args(1),
        "--format",
        "mp4",
        "--out",
        str(tmp_path / "ev"),
        "--json",
    )
    assert exported.returncode == 0, exported.stderr
    assert json_out(exported)["state"] == "done"


REFUSED = {
    "unknown key": (Vendor.AXXON_ONE, ["--setting", "prefx=/asip-api"], "no server setting 'prefx'"),
    "no value syntax": (Vendor.AXXON_ONE, ["--setting", "prefix"], "KEY=VALUE"),
    "bad fingerprint": (Vendor.EXACQ, ["--setting", "tls_sha256=12:34"], "64 hexadecimal"),
    "half a share mapping": (
        Vendor.VDG_SENSE,
        ["--setting", "share_server_prefix=D:\\Exports"],
        "needs both",
    ),
    "share not mounted": (
        Vendor.VDG_SENSE,
        ["--setting", "share_server_prefix=D:\\E", "--setting", "share_local_path=/nonexistent/vdg"],
        "not a folder this workstation can read",
    ),
    "setting of another vendor": (Vendor.AXIS, ["--setting", "prefix=/x"], "tls_sha256"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_settings_exit_2(case: str, cli_home: Path) -> None:
    vendor, extra, words = REFUSED[case]
    result = cli(cli_home, "cameras", *server_args(vendor, "http://127.0.0.1:9"), *extra)
    assert result.returncode == 2, result.stderr
    assert words in one_error_line(result.stderr)
