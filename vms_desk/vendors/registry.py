"""The registry of vendors: every vendor's SPEC, listed by explicit import (a sixth vendor is one line).

Plain imports, not module-path strings, so type checkers and the frozen build see every vendor.
"""

from __future__ import annotations

import httpx

from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.core.protocol import VendorClient
from vms_desk.vendors.axis import SPEC as AXIS
from vms_desk.vendors.axxon_one import SPEC as AXXON_ONE
from vms_desk.vendors.axxon_psim import SPEC as AXXON_PSIM
from vms_desk.vendors.exacq import SPEC as EXACQ
from vms_desk.vendors.spec import ClientFactory, VendorSpec
from vms_desk.vendors.vdg_sense import SPEC as VDG_SENSE

SPECS: dict[Vendor, VendorSpec] = {s.vendor: s for s in (AXXON_ONE, AXXON_PSIM, VDG_SENSE, EXACQ, AXIS)}

__all__ = [
    "SPECS",
    "ClientFactory",
    "client_class",
    "create_client",
    "parse_server_settings",
    "spec",
    "static_capabilities",
]


def spec(vendor: Vendor) -> VendorSpec:
    """The SPEC of `vendor`."""
    return SPECS[vendor]


def client_class(vendor: Vendor) -> ClientFactory:
    """The client class for `vendor`."""
    return SPECS[vendor].client


def create_client(config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> VendorClient:
    """A client for the server `config` describes, using the injected HTTP client."""
    return client_class(config.vendor)(config, password, http)


def static_capabilities(config: ServerConfig) -> Capabilities | None:
    """The vendor's capabilities when they are known without its server, else None."""
    known = SPECS[config.vendor].static_capabilities
    return known(config) if known is not None else None


def parse_server_settings(vendor: Vendor, values: dict[str, str]) -> dict[str, str]:
    """`values` checked against the vendor's settings model; InputError with a sentence if not."""
    return SPECS[vendor].settings.parse(values, vendor.display_name)
