"""exacqVision Web Service (v1): `Client(config, password, http)` implementing core.protocol.VendorClient."""

from vms_desk.vendors.exacq.client import Client
from vms_desk.vendors.exacq.spec import SPEC

__all__ = ["SPEC", "Client"]
