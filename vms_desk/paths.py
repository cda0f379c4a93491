"""Where vms_desk keeps its files: VMS_DESK_HOME, or the platform's per-user data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from vms_desk import APP_NAME

HOME_ENV = "VMS_DESK_HOME"


def home_dir(*, create: bool = False) -> Path:
    """VMS_DESK_HOME when set, else the per-user data folder (created on request)."""
    env = os.environ.get(HOME_ENV)
    folder = Path(env).expanduser() if env else Path(user_data_dir(APP_NAME, appauthor=False))
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_path() -> Path:
    """The job store: one SQLite database shared by the GUI and the CLI."""
    return home_dir(create=True) / "jobs.sqlite3"


def settings_path() -> Path:
    """The settings file (JSON)."""
    return home_dir() / "settings.json"


def log_dir() -> Path:
    """The folder for log files (created)."""
    folder = home_dir(create=True) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def audit_path() -> Path:
    """The append-only audit log (JSON lines with a hash chain)."""
    return home_dir(create=True) / "audit.jsonl"
