"""Fixtures for the CLI end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import make_home


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """VMS_DESK_HOME for the subprocess, with fast retries and polling."""
    return make_home(tmp_path)
