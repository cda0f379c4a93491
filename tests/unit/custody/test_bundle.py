"""The case bundle: copied (never moved), every file hashed, checked by `verify`, never half-made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from custody_helpers import START

from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.custody.bundle import make_bundle
from vms_desk.custody.case import CaseFile, CaseHeader
from vms_desk.custody.working_copy import make_working_copies
from vms_desk.evidence.audit import AuditLog
from vms_desk.evidence.bundle_check import BUNDLE_MANIFEST
from vms_desk.evidence.hashing import sha256_file
from vms_desk.evidence.verify import FileStatus, verify

UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def case(export_factory: Callable[..., Path], audit: AuditLog) -> CaseFile:
    one = export_factory("one", camera="Cash Desk")
    two = export_factory("two", camera="Back Door", container="mp4", start=START + timedelta(minutes=1))
    make_working_copies(one, caption=True, audit=audit)
    return CaseFile(
        header=CaseHeader(number="2026-0042"), evidence_dirs=(one, two), audit=tuple(audit.entries())
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_bundle_copies_hashes_and_verifies(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    sources = {folder: snapshot(folder) for folder in case.evidence_dirs}
    out = tmp_path / "bundle"
    result = make_bundle(case, out, audit=audit, zone=UTC_ZONE)

    assert {folder: snapshot(folder) for folder in case.evidence_dirs} == sources  # copied, not moved
    names = set(snapshot(out))
    assert {"index.html", "report.pdf", "VERIFY.txt", "SHA256SUMS.txt", BUNDLE_MANIFEST} <= names
    assert "exhibits/E01_one/clip.mkv" in names
    assert "exhibits/E01_one/working/clip_caption.mp4" in names
    assert "exhibits/E02_two/manifest.json" in names
    assert {"thumbs/E01.jpg", "thumbs/E02.jpg"} <= names
    listed = json.loads((out / BUNDLE_MANIFEST).read_bytes())["files"]
    assert {e["path"] for e in listed} == names - {BUNDLE_MANIFEST}
    assert all(sha256_file(out / e["path"])[1] == e["sha256"] for e in listed)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<video controls" in page
    assert "src='exhibits/E01_one/working/clip_caption.mp4'" in page
    assert "http" not in page.replace("http://10.0.0.5", "")  # nothing is fetched from a network
    assert sha256_file(out / "exhibits/E01_one/clip.mkv")[1] in page
    report = verify(out)
    assert report.ok, report.problems
    entry = audit.entries()[-1]
    assert (entry["action"], entry["bundle_manifest"]["sha256"]) == ("bundle", result.manifest_sha256)
    assert not list(tmp_path.glob(".bundle.partial-*"))


@pytest.mark.parametrize(
    "name", ["report.pdf", "thumbs/E02.jpg", "exhibits/E01_one/working/clip_caption.mp4", "VERIFY.txt"]
)
def test_a_changed_byte_anywhere_is_named(name: str, case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    make_bundle(case, out, audit=audit, zone=UTC_ZONE)
    target = out / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 1
    target.write_bytes(bytes(data))
    report = verify(out)
    assert not report.ok
    assert target in {p.path for p in report.problems if p.status is FileStatus.CHANGED}


def test_an_added_file_is_named(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    make_bundle(case, out, audit=audit, zone=UTC_ZONE)
    (out / "exhibits" / "extra.mkv").write_bytes(b"planted")
    (out / "thumbs" / "Thumbs.db").write_bytes(b"a desktop's thumbnail cache: not reported")
    [problem] = verify(out).problems
    assert (problem.name, problem.status) == ("exhibits/extra.mkv", FileStatus.UNLISTED)


def test_a_non_empty_folder_is_refused(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="is not an empty folder: a bundle goes into a new or empty folder"):
        make_bundle(case, out, audit=audit)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bundle", "evidence", "home"])


def test_a_changed_master_stops_the_bundle(case: CaseFile, audit: AuditLog, tmp_path: Path) -> None:
    master = case.evidence_dirs[1] / "clip.mp4"
    master.write_bytes(master.read_bytes()[:-1] + b"\0")
    with pytest.raises(VmsDeskError, match="no longer matches its manifest: no bundle was made"):
        make_bundle(case, tmp_path / "bundle", audit=audit)
    assert not (tmp_path / "bundle").exists()
    assert not list(tmp_path.glob(".bundle.partial-*"))


SCRIPT = """
import os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from custody_helpers import make_export
from vms_desk.custody import bundle
from vms_desk.custody.case import CaseFile, CaseHeader
from vms_desk.evidence.audit import AuditLog

root = Path({root!r})
case = CaseFile(CaseHeader("C1"), (make_export(root / "evidence" / "one"),))
if {crash!r}:
    def crash(*args, **kwargs):
        os._exit(9)  # the process dies mid-bundle: no clean-up code runs
    bundle.build_pdf = crash
try:
    bundle.make_bundle(case, root / "bundle", audit=AuditLog(root))
except Exception as exc:
    print(str(exc))
    sys.exit(1)
"""


def run_script(root: Path, *, crash: bool, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    code = SCRIPT.format(tests=str(Path(__file__).parent), root=str(root), crash=crash)
    preexec = None
    if limit is not None:
        import resource
        import signal

        def preexec() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=preexec,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_a_crash_mid_bundle_is_never_taken_for_a_bundle(tmp_path: Path) -> None:
    result = run_script(tmp_path, crash=True)
    assert result.returncode == 9, result.stderr
    assert not (tmp_path / "bundle").exists()
    [partial] = tmp_path.glob(".bundle.partial-*")
    report = verify(partial)
    assert not report.ok
    assert any("never finished" in (m.error or "") for m in report.manifests)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE stands in for a full disk on POSIX")
def test_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    # No file may grow past 40 KB: the evidence (~30 KB) fits, the bundle fails part-way (its report).
    result = run_script(tmp_path, crash=False, limit=40_000)
    assert result.returncode == 1, result.stderr
    assert "The bundle could not be written in" in result.stdout
    assert "nothing was left behind" in result.stdout
    assert not (tmp_path / "bundle").exists()
    assert not list(tmp_path.glob(".bundle.partial-*"))
