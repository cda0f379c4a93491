"""PSIM simulator camera list: the web2 `config.properties` file with per-camera rights."""

from __future__ import annotations

from vms_desk.sim.archive import CAMERA_NAMES, SimCamera
from vms_desk.sim.base import SimState

RIGHT_VIEW, RIGHT_CONTROL, RIGHT_ARCHIVE = 0x1, 0x2, 0x8
INVALID = "password.invalid=true\n"  # documented: all the file holds for wrong or missing credentials


FULL_RIGHTS = RIGHT_VIEW | RIGHT_CONTROL | RIGHT_ARCHIVE  # 11, as in the vendor's example
LIVE_RIGHTS = RIGHT_VIEW | RIGHT_CONTROL  # 3: no archive access


def cameras(
    state: SimState, granted: int = FULL_RIGHTS, restricted: int = LIVE_RIGHTS
) -> list[tuple[SimCamera, int]]:
    """The archive's cameras with their PSIM rights; one camera always has the `restricted` rights."""
    listed = list(state.archive.cameras)
    if all(c.exportable for c in listed):
        # A live-only camera, so every demo and test meets a camera without the 0x8 right.
        index = max((c.index for c in listed), default=0) + 1
        listed.append(SimCamera(index, CAMERA_NAMES[-1], exportable=False))
    return [(c, granted if c.exportable else restricted) for c in listed]


def _escape(text: str) -> str:
    """Java properties escaping: backslashes and separators escaped, non-ASCII as \\uXXXX."""
    out = []
    for ch in text:
        if ch in "\\=:#!":
            out.append("\\" + ch)
        elif ord(ch) > 126 or ord(ch) < 32:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def config_properties(state: SimState, granted: int = FULL_RIGHTS, restricted: int = LIVE_RIGHTS) -> str:
    """The web2 configuration file for a logged-in user."""
    lines = ["password.enabled=true", "login.enabled=true", "password.invalid=false"]
    listed = cameras(state, granted, restricted)
    for n, (camera, rights) in enumerate(listed):
        lines += [
            f"cam.{n}.id={camera.index}",
            f"cam.{n}.name={_escape(camera.name)}",
            f"cam.{n}.rights={rights}",
        ]
    # The vendor's example ends with "cam.count=3#"; kept so clients meet it.
    lines.append(f"cam.count={len(listed)}#")
    return "\n".join(lines) + "\n"
