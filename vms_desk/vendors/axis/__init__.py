"""Axis VAPIX edge storage: cameras' own SD cards and network shares, exported as MKV (or AES ZIP)."""

from vms_desk.vendors.axis.client import Client
from vms_desk.vendors.axis.spec import SPEC

__all__ = ["SPEC", "Client"]
