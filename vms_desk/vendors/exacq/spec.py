"""exacqVision described once: client, settings, simulator, time codec (formats come from the server)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from vms_desk.core.models import Vendor
from vms_desk.core.times import from_iso, to_exacq
from vms_desk.vendors.exacq.client import Client
from vms_desk.vendors.exacq.naming import time_zone_setting
from vms_desk.vendors.spec import ServerSettings, TimeCodec, VendorSpec

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class ExacqSettings(ServerSettings):
    """exacqVision server settings."""

    server_id: str = Field(
        default="", title="Server number", description="the login's server number `s` (default 0)"
    )
    time_zone: str = Field(
        default="",
        title="Time zone sent",
        description="the zone of the times sent: utc (default), server (config.web's offset) or "
        "e.g. America/New_York",
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        time_zone_setting({"time_zone": value})  # InputError with the client's sentence when unknown
        return value


def _simulator(state: SimState) -> Any:
    from vms_desk.sim.exacq import build

    return build(state)


def _encode(value: datetime) -> str:
    return to_exacq(value)  # UTC; a job sends the server's own offset once it is known


def _decode(text: str) -> datetime:
    return from_iso(text, "exacqVision")


SPEC = VendorSpec(
    vendor=Vendor.EXACQ,
    client=Client,
    settings=ExacqSettings,
    static_capabilities=None,  # the export formats are the server's own list
    simulator=_simulator,
    time_codec=TimeCodec(encode=_encode, decode=_decode),
)
