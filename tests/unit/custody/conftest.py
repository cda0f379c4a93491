"""Fixtures for the custody tests: an audit log of their own, fresh export folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from custody_helpers import make_export

from vms_desk.evidence.audit import AuditLog


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    """An audit log of its own for the test."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return AuditLog(home)


@pytest.fixture
def export_factory(tmp_path: Path) -> Callable[..., Path]:
    """make(name, **options) -> a fresh export folder under tmp_path/evidence."""

    def make(name: str = "export", **options: Any) -> Path:
        return make_export(tmp_path / "evidence" / name, **options)

    return make
