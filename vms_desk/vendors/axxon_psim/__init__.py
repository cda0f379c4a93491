"""Axxon PSIM 1.0: archive export over the PSIM HTTP API."""

from vms_desk.vendors.axxon_psim.client import Client
from vms_desk.vendors.axxon_psim.spec import SPEC

__all__ = ["SPEC", "Client"]
