"""What can be known about a vendor without contacting its server: its static capabilities.

Some vendors declare fixed formats and options (Axxon One, Axxon PSIM); others ask the server
(exacqVision's format list, Axis' encryption support). To validate input before any request, the
client is asked for its capabilities over a transport that refuses every connection: a vendor whose
answer needs the network fails, and its input is validated after login instead.
"""

from __future__ import annotations

import logging

import httpx

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import ServerConfig
from vms_desk.core.options import Capabilities
from vms_desk.vendors.registry import create_client

log = logging.getLogger(__name__)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("offline: no request may leave before the input is validated", request=request)


async def offline_capabilities(server: ServerConfig) -> Capabilities | None:
    """The vendor's capabilities if they are known without the server, else None."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as offline:
        client = create_client(server, None, offline)
        try:
            return await client.capabilities()
        except (VmsDeskError, httpx.HTTPError) as exc:
            log.debug("capabilities of %s need the server: %r", server.vendor, exc)
            return None
        finally:
            try:
                await client.aclose()
            except Exception:  # closing an unused offline client must never fail the CLI
                log.debug("offline client close failed", exc_info=True)
