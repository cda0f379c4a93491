"""core/, vendors/, jobs/, evidence/ and sim/ import no Qt: walk every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "vms_desk"
QT_FREE = ["core", "vendors", "jobs", "evidence", "sim"]
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
