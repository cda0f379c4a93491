"""Axis edge storage described once: client, settings, simulator, time codec (encryption is the device's)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from vms_desk.core.models import Vendor
from vms_desk.core.times import from_iso, to_axis
from vms_desk.vendors.axis.client import Client
from vms_desk.vendors.spec import ServerSettings, TimeCodec, VendorSpec

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class AxisSettings(ServerSettings):
    """Axis server settings (only the common ones today)."""


def _simulator(state: SimState) -> Any:
    from vms_desk.sim.axis import build

    return build(state)


def _decode(text: str) -> datetime:
    return from_iso(text, "Axis")


SPEC = VendorSpec(
    vendor=Vendor.AXIS,
    client=Client,
    settings=AxisSettings,
    static_capabilities=None,  # whether the device encrypts (and which formats) is asked of it
    simulator=_simulator,
    time_codec=TimeCodec(encode=to_axis, decode=_decode),
)
