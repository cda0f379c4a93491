"""Axxon PSIM described once: client, server settings, documented formats, simulator, time codec."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from vms_desk.core.models import ServerConfig, Vendor, normalise_url
from vms_desk.core.options import Capabilities
from vms_desk.core.times import from_iso, to_psim
from vms_desk.vendors.axxon_psim.client import FORMATS, Client
from vms_desk.vendors.spec import ServerSettings, TimeCodec, VendorSpec

if TYPE_CHECKING:
    from vms_desk.sim.base import SimState


class AxxonPsimSettings(ServerSettings):
    """Axxon PSIM server settings."""

    web2_url: str = Field(
        default="",
        title="web2 address",
        description="the web2 module's address, e.g. http://host:8085/web2 (default: the server's host on "
        "port 8085, then the server URL)",
    )
    web2_version: str = Field(
        default="",
        title="web2 version",
        description="the version sent with config.properties (default: read from web2's product/version)",
    )

    @field_validator("web2_url")
    @classmethod
    def _web2(cls, value: str) -> str:
        return normalise_url(value) if value else ""


def _capabilities(_: ServerConfig) -> Capabilities:
    return Capabilities(formats=FORMATS, recordings_known=False)


def _simulator(state: SimState) -> Any:
    from vms_desk.sim.axxon_psim import build

    return build(state)


def _decode(text: str) -> datetime:
    return from_iso(text, "Axxon PSIM")


SPEC = VendorSpec(
    vendor=Vendor.AXXON_PSIM,
    client=Client,
    settings=AxxonPsimSettings,
    static_capabilities=_capabilities,
    simulator=_simulator,
    time_codec=TimeCodec(encode=to_psim, decode=_decode),
)
