"""VDG Sense (TKH Security): server-side video export over the VDG Sense HTTP API."""

from vms_desk.vendors.vdg_sense.client import Client
from vms_desk.vendors.vdg_sense.spec import SPEC

__all__ = ["SPEC", "Client"]
