"""Application settings: declared once (pydantic), versioned, stored as JSON under VMS_DESK_HOME.

Only tuning lives here (limits, retry and polling pace, the default export folder); server lists and
passwords are kept elsewhere, and secrets never reach this file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vms_desk.custody.files import write_json_atomic
from vms_desk.jobs.stall import DEFAULT_STALL_LIMITS
from vms_desk.paths import settings_path

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1


class Settings(BaseModel):
    """Every user-tunable setting with its default; unknown keys in the file are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = SETTINGS_VERSION
    # Concurrency: serial per server (VMS servers queue exports badly), several servers at once.
    per_server: int = Field(default=1, ge=1, le=8)
    overall: int = Field(default=8, ge=1, le=32)  # 8 busy servers export at once
    # The window runs its exports in a process of its own, below normal priority, so that downloads
    # never take the CPU or the interpreter from it (workstation.engine_process). False: in the window.
    engine_process: bool = True
    # Closing the window while its engine process runs exports: "ask", or always "keep" them running
    # without the window, or always "stop" them (interrupted, resumed at the next start).
    exports_on_close: Literal["ask", "keep", "stop"] = "ask"
    # Transient failures (5xx, dropped connections) are retried this many times in all, with a
    # delay that doubles from `retry_first_delay` up to `retry_max_delay` seconds.
    retry_attempts: int = Field(default=5, ge=1, le=20)
    retry_first_delay: float = Field(default=0.5, ge=0.0, le=60.0)
    retry_max_delay: float = Field(default=8.0, ge=0.0, le=600.0)
    # Status polling starts quickly and eases off, so long exports do not hammer the server.
    poll_first_delay: float = Field(default=1.0, ge=0.05, le=60.0)
    poll_max_delay: float = Field(default=5.0, ge=0.05, le=600.0)
    export_folder: str = ""
    # Where jobs, cases and (for a team) the audit chain live: empty for this workstation's SQLite file,
    # or a team's `postgresql://host/database?sslmode=verify-full` (never with a password in it: the
    # password comes from the keyring or VMS_DESK_STORE_PASSWORD). VMS_DESK_STORE_URL overrides it.
    store_url: str = ""
    # The name this workstation goes by on a team store (its jobs, leases and resumes); empty: the host
    # name. Two workstations sharing a store must not share a name.
    workstation_name: str = ""
    # Seconds a server export may report the same progress before its job fails and the export is
    # released, by vendor name ("axxon-one", "axxon-psim", "vdg-sense", "exacq", "axis"); a vendor
    # left out keeps its default (jobs/stall.py says why each is what it is).
    stall_limits: dict[str, float] = Field(
        default_factory=lambda: {v.value: s for v, s in DEFAULT_STALL_LIMITS.items()}
    )

    @field_validator("stall_limits")
    @classmethod
    def _known_vendors(cls, value: dict[str, float]) -> dict[str, float]:
        names = {v.value for v in DEFAULT_STALL_LIMITS}
        unknown = sorted(set(value) - names)
        if unknown:
            known = ", ".join(sorted(names))
            raise ValueError(f"no vendor named {', '.join(unknown)}; the names are {known}")
        if any(s <= 0 for s in value.values()):
            raise ValueError("a stall limit is a number of seconds above 0")
        return {**{v.value: s for v, s in DEFAULT_STALL_LIMITS.items()}, **value}


def load_settings(path: Path | None = None) -> Settings:
    """The settings from the file, or the defaults when it is missing or unreadable (logged)."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable, using defaults: %s", path, exc)
        return Settings()
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        log.warning("settings file %s invalid, using defaults: %s", path, exc)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (temp file + rename)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, settings.model_dump(mode="json"))


def remember_setting(path: Path, name: str, value: Any) -> None:
    """Set one key of the settings file, keeping the others as the user wrote them (a default is not
    written out, so a later default still applies); ValueError if the file cannot be read as settings."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path} does not hold settings")
    raw[name] = value
    Settings.model_validate(raw)  # never write what would not load
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, raw)
