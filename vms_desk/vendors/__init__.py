"""Vendor clients behind the one protocol in vms_desk.core.protocol."""
