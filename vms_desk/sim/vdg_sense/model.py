"""The VDG simulator's devices, API sessions and exports (one VDG export spans several devices)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from vms_desk.sim.archive import SimCamera
from vms_desk.sim.base import SimState
from vms_desk.sim.exports import DONE, FAILED, RUNNING, SimExport

SERVER_IDS = ("6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0001", "6F1D0C2A-6B8E-4C53-9D0B-2C1E5A7B0002")
# Per-device and per-export status strings: the vendor's values are unconfirmed, these are the sim's.
STATUS_EXPORTING, STATUS_COMPLETED, STATUS_FAILED, STATUS_CANCELLED = (
    "Exporting",
    "Completed",
    "Failed",
    "Cancelled",
)
_STATUS = {RUNNING: STATUS_EXPORTING, DONE: STATUS_COMPLETED, FAILED: STATUS_FAILED}


@dataclass(frozen=True)
class Device:
    """A camera as VDG lists it: on one of two recording servers, with a GUID-like device id."""

    camera: SimCamera
    serverid: str
    deviceid: str


def devices(state: SimState) -> list[Device]:
    """Every camera of the archive, cameras 1-2 on the first server, 3-4 on the second, and so on."""
    return [
        Device(c, SERVER_IDS[(c.index - 1) // 2 % len(SERVER_IDS)], f"D3A1B2C4-0000-4000-8000-{c.index:012d}")
        for c in state.archive.cameras
    ]


@dataclass
class VdgExport:
    """One exportVideo request: an id in its session, a server path and one SimExport per device."""

    ident: int
    path: str
    bandwidth: int
    parts: list[tuple[Device, SimExport]]

    def status(self) -> str:
        """Exporting while any device is; Failed if any failed; else Completed."""
        states = [_device_status(e) for _, e in self.parts]
        for wanted in (STATUS_EXPORTING, STATUS_FAILED, STATUS_CANCELLED):
            if wanted in states:
                return wanted
        return STATUS_COMPLETED


def _device_status(export: SimExport) -> str:
    return _STATUS.get(export.state, STATUS_CANCELLED)


def device_status(export: SimExport) -> tuple[int, str]:
    """(progress 0-100, status string) of one device's part."""
    return int(export.progress * 100), _device_status(export)


@dataclass
class Session:
    """An API session: the sim identifies it by the `SenseSession` cookie it sets on first contact."""

    user: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    digest: bool = False  # opened by an accepted AuthenticateUserDigest login: /command needs no Basic
    next_id: int = 1
    exports: dict[int, VdgExport] = field(default_factory=dict)

    def add(self, path: str, bandwidth: int, parts: list[tuple[Device, SimExport]]) -> VdgExport:
        """Register an export under the next small integer id (1 in a new session)."""
        export = VdgExport(self.next_id, path, bandwidth, parts)
        self.exports[export.ident] = export
        self.next_id += 1
        return export


@dataclass
class Request:
    """A validated device entry of an exportVideo body."""

    device: Device
    start: datetime
    end: datetime
