"""Fixtures for the jobs tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from vms_desk.jobs.store import JobStore


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    """An empty store in a temporary folder."""
    return JobStore(tmp_path / "jobs.sqlite3")
