"""Reading settings.json at opening: a damaged file is kept aside (never lost) and defaults are used."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from vms_desk.settings import Settings

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"


def set_aside(path: Path, what: str, instead: str) -> str:
    """Rename a damaged file to `<name>.broken-<UTC time>` beside itself; the sentence for the user."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.broken-{stamp}")
    try:
        path.replace(kept)
    except OSError as exc:
        log.error("could not set %s aside: %s", path, exc)
        return f"{what} {path} is damaged and could not be set aside ({exc}); vms_desk starts {instead}."
    log.warning("%s was damaged and is kept as %s", path, kept)
    return f"{what} {path.name} was damaged; it is kept as {kept.name} and vms_desk starts {instead}."


def open_settings(home: Path, notices: list[str]) -> Settings:
    """The settings in `home`, or the defaults (with a notice) when the file is damaged."""
    path = home / FILE_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:  # unreadable, not damaged: leave it where it is
        notices.append(f"The settings file {path} could not be read ({exc.strerror}); defaults are used.")
        return Settings()
    try:
        return Settings.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        log.warning("settings file %s invalid: %s", path, exc)
        notices.append(set_aside(path, "The settings file", "with the default settings"))
        return Settings()
