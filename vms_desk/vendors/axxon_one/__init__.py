"""Axxon One (AxxonSoft) Web-Server HTTP API client."""

from vms_desk.vendors.axxon_one.client import Client

__all__ = ["Client"]
