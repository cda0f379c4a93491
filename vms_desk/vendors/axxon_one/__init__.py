"""Axxon One (AxxonSoft) Web-Server HTTP API client."""

from vms_desk.vendors.axxon_one.client import Client
from vms_desk.vendors.axxon_one.spec import SPEC

__all__ = ["SPEC", "Client"]
