"""`vms-desk verify DIR` and `vms-desk audit [verify]`: offline checks with exit status and one line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cli_helpers import cli, json_out, one_error_line, server_args, span_args

from vms_desk.core.models import Vendor
from vms_desk.evidence.manifest import Actual, Manifest, ManifestFile, Requested, Source, write_manifest
from vms_desk.sim.registry import RunningSim


def evidence(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    now = datetime.now(UTC)
    entries = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        entries.append(ManifestFile(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest()))
    manifest = Manifest(
        created=now,
        case="c",
        operator="o",
        workstation="w",
        source=Source(vendor="axxon-one", url="http://h", camera_id="1", camera_name="Door"),
        requested=Requested(start=now, end=now, format="jpg"),
        actual=Actual(),
        vendor_export_id="e",
        files=tuple(entries),
        events=(),
    )
    return write_manifest(folder, manifest)


def test_verify_passes_then_names_changed_and_missing_files(cli_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "ev"
    evidence(root / "c" / "one", {"a.mkv": b"a" * 5000, "b.jpg": b"b" * 100})
    evidence(root / "c" / "two", {"c.mkv": b"c" * 10})
    fresh = cli(cli_home, "verify", str(root))
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stderr == ""

    target = root / "c" / "one" / "a.mkv"
    data = bytearray(target.read_bytes())
    data[2500] ^= 0x01
    target.write_bytes(bytes(data))
    (root / "c" / "two" / "c.mkv").unlink()
    result = cli(cli_home, "verify", str(root))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "a.mkv changed" in line
    assert "c.mkv missing" in line
    assert "b.jpg" not in line
    assert f"changed\t{target}" in result.stdout

    report = json_out(cli(cli_home, "verify", str(root), "--json"))
    statuses = {f["name"]: f["status"] for m in report["manifests"] for f in m["files"]}
    assert report["ok"] is False
    assert statuses == {"a.mkv": "changed", "b.jpg": "ok", "c.mkv": "missing"}


def test_verify_without_manifest_or_folder(cli_home: Path, tmp_path: Path) -> None:
    empty = cli(cli_home, "verify", str(tmp_path))
    assert empty.returncode == 1
    assert "no manifest" in one_error_line(empty.stderr).lower()
    missing = cli(cli_home, "verify", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    one_error_line(missing.stderr)


def test_audit_records_exports_and_detects_tampering(
    sim_factory: Callable[..., RunningSim], cli_home: Path, tmp_path: Path
) -> None:
    sim = sim_factory(Vendor.AXXON_ONE)
    camera = "Server1/DeviceIpint.2/SourceEndpoint.video:0:0"
    done = cli(
        cli_home,
        "export",
        *server_args(Vendor.AXXON_ONE, sim.url),
        "--camera",
        camera,
        *span_args(),
        "--format",
        "jpg",
        "--out",
        str(tmp_path / "ev"),
        "--operator",
        "Det. Smith",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    entries = json_out(cli(cli_home, "audit", "--json"))
    export = next(e for e in entries if e["action"] == "export")
    assert export["outcome"] == "done"
    assert export["job_id"] == json_out(done)["job_id"]
    assert export["operator"] == "Det. Smith"
    checked = cli(cli_home, "audit", "verify")
    assert checked.returncode == 0, checked.stderr

    log = cli_home / "audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["outcome"] = "failed"
    lines[0] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tampered = cli(cli_home, "audit", "verify")
    assert tampered.returncode == 1
    assert "changed" in one_error_line(tampered.stderr)
