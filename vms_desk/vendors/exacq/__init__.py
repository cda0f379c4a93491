"""exacqVision Web Service (v1): `Client(config, password, http)` implementing core.protocol.VendorClient."""

from vms_desk.vendors.exacq.client import Client

__all__ = ["Client"]
