"""The layers' arrows point one way: walk every module's imports.

core/, vendors/, jobs/, evidence/, sim/, present/, workstation/ and cli/ import no Qt; ui/ never imports
vendors/ (it reaches servers through the Workstation); only the Workstation constructs the engine.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "vms_desk"
QT_FREE = [
    "core", "vendors", "jobs", "evidence", "sim", "present", "workstation", "cli", "custody", "cases",
    "store",
]  # fmt: skip
FORBIDDEN = ("PySide6", "shiboken6", "qasync", "vms_desk.ui", "vms_desk.app")


def imported_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", QT_FREE)
def test_package_imports_no_qt(package: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in imported_names(path)
        if name.startswith(FORBIDDEN)
    ]
    assert not offenders, offenders


def test_core_imports_no_io_layers() -> None:
    offenders = [
        f"{path.name} imports {name}"
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        for name in imported_names(path)
        if name.startswith(
            ("vms_desk.vendors", "vms_desk.jobs", "vms_desk.evidence", "vms_desk.sim", "httpx")
        )
    ]
    assert not offenders, offenders


def test_the_check_would_see_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    assert any(n.startswith(FORBIDDEN) for n in imported_names(sample))


def _offenders(folder: Path, prefixes: tuple[str, ...]) -> list[str]:
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else [folder]
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files
        for name in imported_names(path)
        if name.startswith(prefixes)
    ]


@pytest.mark.parametrize("where", ["ui", "app.py"])
def test_the_window_never_imports_vendor_code(where: str) -> None:
    assert not _offenders(PACKAGE / where, ("vms_desk.vendors",))


def test_core_and_present_import_no_io_layers() -> None:
    io = ("vms_desk.vendors", "vms_desk.sim", "vms_desk.workstation", "vms_desk.cli", "httpx")
    assert not _offenders(PACKAGE / "present", io)


def test_one_place_builds_the_engine_the_store_and_the_audit_log() -> None:
    """Engine, JobStore, AuditLog and TeamAuditLog are constructed in vms_desk/workstation only (and
    defined where they live); anything else gets them from the Workstation, so no window or command can
    run without the audit log or the settings."""
    builders = {
        "Engine": "jobs/engine.py",
        "JobStore": "jobs/store.py",
        "AuditLog": "evidence/audit.py",
        "TeamAuditLog": "store/audit_chain.py",
    }
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("workstation/"):
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{rel} calls {name}("
            for name, home in builders.items()
            if re.search(rf"\b{name}\(", text) and rel != home
        ]
    assert not offenders, offenders
