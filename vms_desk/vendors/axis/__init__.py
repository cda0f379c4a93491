"""Axis VAPIX edge storage: cameras' own SD cards and network shares, exported as MKV (or AES ZIP)."""

from vms_desk.vendors.axis.client import Client

__all__ = ["Client"]
