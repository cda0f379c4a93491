"""Axxon One described once: client, server settings, documented capabilities, simulator, time codec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.core.times import from_axxon, to_axxon
from vms_desk.vendors.axxon_one.capabilities import CAPABILITIES
from vms_desk.vendors.axxon_one.client import Client
from vms_desk.vendors.spec import ServerSettings, TimeCodec, VendorSpec

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class AxxonOneSettings(ServerSettings):
    """Axxon One server settings."""

    prefix: str = Field(
        default="",
        title="Web-Server prefix",
        description="the Web-Server prefix, e.g. /asip-api (default: none)",
    )


def _capabilities(_: ServerConfig) -> Capabilities:
    return CAPABILITIES  # the document lists them; the server offers no query


def _simulator(state: SimState) -> Any:
    from vms_desk.sim.axxon_one import build

    return build(state)


SPEC = VendorSpec(
    vendor=Vendor.AXXON_ONE,
    client=Client,
    settings=AxxonOneSettings,
    static_capabilities=_capabilities,
    simulator=_simulator,
    time_codec=TimeCodec(encode=to_axxon, decode=from_axxon),
)
