"""Lineage of derived files: a working copy names its master's SHA-256, the operation and the tool.

A working copy lives in `working/` inside its export folder, listed by `working/manifest.json`. That
manifest repeats the export's fields and gives each file a `derived_from` (DESIGN.md, manifest v2):
`{sha256, master, operation, tool}`. The export's own manifest.json is left byte for byte as it was:
it was written when the master landed, and a bundle or a court may already hold its hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

WORKING_DIR = "working"


class DerivedFrom(BaseModel):
    """Where a derived file came from: the master's SHA-256 and name, what was done, with what."""

    model_config = ConfigDict(frozen=True, extra="allow")

    sha256: str
    master: str = ""  # the master's name in the export folder (a ZIP member after `!`)
    operation: str
    tool: dict[str, Any] = {}


def derived_entries(manifest_path: Path) -> dict[str, DerivedFrom]:
    """File name → its `derived_from`, for the files of a manifest that carry one (raw JSON read:
    the manifest model of any version keeps working, whatever it adds)."""
    try:
        data = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError):
        return {}
    result: dict[str, DerivedFrom] = {}
    files = data.get("files") if isinstance(data, dict) else None
    for entry in files if isinstance(files, list) else []:
        if not isinstance(entry, dict) or "derived_from" not in entry:
            continue
        try:
            result[str(entry.get("name", ""))] = DerivedFrom.model_validate(entry["derived_from"])
        except ValidationError:
            # A damaged lineage is still a lineage claim: checked, it fails (empty hash matches nothing).
            result[str(entry.get("name", ""))] = DerivedFrom(sha256="", operation="unreadable")
    return result


def master_manifest(derived_manifest: Path) -> Path:
    """The export's manifest that a `working/manifest.json` derives from (one folder up)."""
    return derived_manifest.parent.parent / derived_manifest.name
