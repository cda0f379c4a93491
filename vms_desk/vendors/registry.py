"""The typed registry of vendor clients: one place maps a Vendor to its client class."""

from __future__ import annotations

import importlib
from typing import Protocol

import httpx

from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.protocol import VendorClient

# Each subpackage exposes `Client(config, password, http)` implementing core.protocol.VendorClient.
CLIENT_MODULES: dict[Vendor, str] = {
    Vendor.AXXON_ONE: "vms_desk.vendors.axxon_one",
    Vendor.AXXON_PSIM: "vms_desk.vendors.axxon_psim",
    Vendor.VDG_SENSE: "vms_desk.vendors.vdg_sense",
    Vendor.EXACQ: "vms_desk.vendors.exacq",
    Vendor.AXIS: "vms_desk.vendors.axis",
}


class ClientFactory(Protocol):
    """The constructor every vendor client has."""

    def __call__(self, config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> VendorClient:
        """Create a client for one server."""
        ...


def client_class(vendor: Vendor) -> ClientFactory:
    """The client class for `vendor`."""
    module = importlib.import_module(CLIENT_MODULES[vendor])
    factory: ClientFactory = module.Client
    return factory


def create_client(config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> VendorClient:
    """A client for the server `config` describes, using the injected HTTP client."""
    return client_class(config.vendor)(config, password, http)
