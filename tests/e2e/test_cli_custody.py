"""`working-copy`, `report`, `bundle` and `verify` of a bundle, end to end: one case, three vendors."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_helpers import FORMATS, cli, first_camera, make_home, one_error_line, server_args, span_args

from vms_desk.core.models import Vendor
from vms_desk.sim.registry import RunningSim

CASE = "2026-0042"
VENDORS = (Vendor.AXXON_ONE, Vendor.AXIS, Vendor.EXACQ)


@dataclass(frozen=True)
class Case:
    home: Path
    root: Path
    folders: list[Path]


@pytest.fixture(scope="module")
def case(module_sims: Callable[..., RunningSim], tmp_path_factory: pytest.TempPathFactory) -> Case:
    """Exports of one span from three vendors' simulators under one case, each with working copies."""
    root = tmp_path_factory.mktemp("custody")
    home = make_home(root)
    span = span_args(4)
    for vendor in VENDORS:
        sim = module_sims(vendor)
        camera = first_camera(home, vendor, sim.url)
        result = cli(
            home, "export", *server_args(vendor, sim.url), "--camera", camera, *span,
            "--format", FORMATS[vendor], "--out", str(root / "evidence"), "--case", CASE, "--json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    folders = sorted((root / "evidence" / CASE).iterdir())
    assert len(folders) == 3
    for folder in folders:
        made = cli(home, "working-copy", str(folder))
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("made\t")
    return Case(home, root, folders)


def test_working_copies_carry_lineage_and_verify(case: Case) -> None:
    for folder in case.folders:
        lineage = json.loads((folder / "working" / "manifest.json").read_bytes())
        master = json.loads((folder / "manifest.json").read_bytes())
        [copy] = lineage["files"]
        assert copy["name"].endswith(".mp4")
        assert copy["derived_from"]["sha256"] in {f["sha256"] for f in master["files"]}
        assert copy["derived_from"]["operation"] == "remux"  # every simulator serves H.264
    result = cli(case.home, "verify", str(case.root / "evidence"))
    assert result.returncode == 0, result.stderr
    assert "6 of 6 file(s) match in 6 manifest(s)" in result.stdout


def test_report_and_bundle_of_three_vendors(case: Case) -> None:
    pdf, table = case.root / "report.pdf", case.root / "report.csv"
    result = cli(case.home, "report", CASE, "--out", str(pdf), "--csv", str(table))
    assert result.returncode == 0, result.stderr
    assert "verification passed: 6 file(s)" in result.stdout
    assert pdf.read_bytes().startswith(b"%PDF-")
    vendors = {line.split(",")[3] for line in table.read_text(encoding="utf-8-sig").splitlines()[1:]}
    assert vendors == {"axxon-one", "axis", "exacq"}

    out = case.root / "bundle"
    result = cli(case.home, "bundle", CASE, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file()
    assert len(list(out.glob("exhibits/E0*/working/*.mp4"))) == 3
    checked = cli(case.home, "verify", str(out))
    assert checked.returncode == 0, checked.stderr

    actions = [e["action"] for e in json.loads(cli(case.home, "audit", "--json").stdout)]
    assert actions.count("working-copy") == 3
    assert "report" in actions
    assert "bundle" in actions

    target = next(out.glob("exhibits/E02_*/working/*.mp4"))
    data = bytearray(target.read_bytes())
    data[100] ^= 1
    target.write_bytes(bytes(data))
    broken = cli(case.home, "verify", str(out))
    assert broken.returncode == 1
    assert str(target) in one_error_line(broken.stderr)


def test_bad_input_gets_one_sentence(case: Case) -> None:
    unknown = cli(case.home, "report", "2026-9999", "--out", str(case.root / "x.pdf"))
    assert unknown.returncode == 2
    assert "No export belongs to case '2026-9999'" in one_error_line(unknown.stderr)
    assert not (case.root / "x.pdf").exists()

    taken = case.root / "taken"
    taken.mkdir()
    (taken / "a.txt").write_text("a", encoding="utf-8")
    refused = cli(case.home, "bundle", CASE, "--out", str(taken))
    assert refused.returncode == 2
    assert "is not an empty folder" in one_error_line(refused.stderr)
    assert sorted(p.name for p in taken.iterdir()) == ["a.txt"]

    master = next(p for p in case.folders[0].iterdir() if p.suffix in {".mp4", ".mkv"})
    spare = case.root / "changed"
    shutil.copytree(case.folders[0], spare, ignore=shutil.ignore_patterns("working"))
    (spare / master.name).write_bytes((spare / master.name).read_bytes() + b"\0")
    changed = cli(case.home, "working-copy", str(spare))
    assert changed.returncode == 1
    assert f"The master {master.name} no longer matches its manifest" in one_error_line(changed.stderr)
    assert not (spare / "working").exists()


def test_axis_zip_needs_its_password(module_sims: Callable[..., RunningSim], tmp_path: Path) -> None:
    home = make_home(tmp_path)
    sim = module_sims(Vendor.AXIS)
    camera = first_camera(home, Vendor.AXIS, sim.url)
    export = cli(
        home, "export", *server_args(Vendor.AXIS, sim.url), "--camera", camera, *span_args(3),
        "--format", "mkv", "--option", "encryptionformat=zip-aes256", "--option-env", "password=ZIP_PW",
        "--out", str(tmp_path / "evidence"), "--case", "Z1", "--json",
        env={"ZIP_PW": "zip-secret"},
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    [folder] = (tmp_path / "evidence" / "Z1").iterdir()
    refused = cli(home, "working-copy", str(folder))
    assert refused.returncode == 2
    assert "is an encrypted ZIP: give its password" in one_error_line(refused.stderr)
    assert not (folder / "working").exists()
    made = cli(home, "working-copy", str(folder), "--password-env", "ZIP_PW", env={"ZIP_PW": "zip-secret"})
    assert made.returncode == 0, made.stderr
    assert ".zip!" in made.stdout
    assert "zip-secret" not in (home / "audit.jsonl").read_text(encoding="utf-8")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PROBE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>waiting</title></head><body>
<iframe id="b" src="{src}" style="width:1280px;height:1400px;border:0"></iframe><script>
const f = document.getElementById('b');
f.onload = () => {{ try {{
  const v = f.contentDocument.querySelector('video'); v.muted = true; v.play();
  setTimeout(() => {{ document.title = JSON.stringify({{t: v.currentTime, w: v.videoWidth,
    err: v.error && v.error.code, src: v.currentSrc}}); v.pause(); }}, 2500);
}} catch (e) {{ document.title = 'error ' + e; }} }};
</script></body></html>"""


def chromium_probe(index: Path, *extra: str) -> str:
    """Open the bundle page in headless Chromium with nothing else; play its first video; the DOM."""
    assert CHROMIUM is not None
    probe_dir = Path(tempfile.mkdtemp(prefix="vms_desk-probe-"))
    probe = probe_dir / "probe.html"
    probe.write_text(PROBE.format(src=index.as_uri()), encoding="utf-8")
    result = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", f"--user-data-dir={probe_dir / 'profile'}", "--allow-file-access-from-files",
            "--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=5000", *extra,
            "--dump-dom", probe.as_uri(),
        ],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    shutil.rmtree(probe_dir, ignore_errors=True)
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_bundle_page_plays_a_working_copy_in_chromium(case: Case) -> None:
    out = case.root / "bundle-chromium"
    assert cli(case.home, "bundle", CASE, "--out", str(out)).returncode == 0
    dom = chromium_probe(out / "index.html")
    title = dom.split("<title>", 1)[1].split("</title>", 1)[0]
    state = json.loads(title.replace("&quot;", '"'))
    assert state["err"] is None
    assert state["w"] > 0
    assert state["t"] > 1.0  # it played for more than a second
    assert "/working/" in state["src"]
