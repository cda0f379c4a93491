"""The one place an httpx.AsyncClient is configured; the app, CLI and tests inject it into clients."""

from __future__ import annotations

import httpx

from vms_desk import __version__

# Connect quickly so an unreachable server is reported fast; reads may wait on a busy server.
TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=10.0)


def make_http_client(*, verify: bool = True, timeout: httpx.Timeout = TIMEOUT) -> httpx.AsyncClient:
    """An AsyncClient with vms_desk's timeouts and identity; certificate checks on by default."""
    return httpx.AsyncClient(
        verify=verify,
        timeout=timeout,
        follow_redirects=False,  # a redirect to another host would carry credentials there
        headers={"User-Agent": f"vms_desk/{__version__}"},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        trust_env=False,  # proxies from the environment are not for VMS traffic on a site LAN
    )
