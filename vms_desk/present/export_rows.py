"""Choices for a cross-server export, Qt-free: each server's court-playable default format."""

from __future__ import annotations

from collections.abc import Sequence

from vms_desk.core.options import FormatSpec

# In order of preference: MP4 plays on any court computer; Axis exports Matroska; VDG Sense only its
# native format. A server offering none of them gets its first video format (exacqVision's list).
PLAYABLE = ("mp4", "mkv", "native")


def default_format(formats: Sequence[FormatSpec]) -> str:
    """The court-playable default among a server's formats ('' when it offers none)."""
    video = [f for f in formats if not f.frame] or list(formats)
    lowered = {f.name.lower(): f.name for f in video}
    for wanted in PLAYABLE:
        if wanted in lowered:
            return lowered[wanted]
    return video[0].name if video else ""
