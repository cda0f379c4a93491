"""The one place an httpx.AsyncClient is configured; the app, CLI and tests inject it into clients."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import httpx

from vms_desk import __version__
from vms_desk.core.models import ServerConfig
from vms_desk.vendors._bulk import BulkTransport, RoutingTransport
from vms_desk.vendors.tls import pinned_context

# Connect quickly so an unreachable server is reported fast; reads may wait on a busy server.
TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=10.0)
# httpcore takes at most 64 KiB per read from the socket; a large download then spends much of its CPU
# in per-read Python overhead (on loopback, 1 MiB reads took a bare 1 GiB receive from ~470 to ~800 MiB/s).
READ_BYTES = 1024 * 1024
# Per transport: bulk downloads have a pool of their own beside the one for every other request.
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10)


def _tune_read_size() -> None:
    """Raise httpcore's per-read size (a class attribute; left alone if a future httpcore drops it)."""
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection
    except ImportError:  # pragma: no cover - httpcore reorganised: keep its default
        return
    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", READ_BYTES) < READ_BYTES:
        AsyncHTTP11Connection.READ_NUM_BYTES = READ_BYTES


def make_http_client(
    *,
    verify: bool = True,
    pinned_sha256: str | None = None,
    timeout: httpx.Timeout = TIMEOUT,
    wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient with vms_desk's timeouts and identity; certificate checks on by default.

    With `pinned_sha256`, only the server certificate with that fingerprint is accepted; `wrap` puts a
    transport around the real one (the probe's trace).
    """
    tls: ssl.SSLContext | bool = pinned_context(pinned_sha256) if pinned_sha256 else verify
    _tune_read_size()
    # trust_env=False: proxies from the environment are not for VMS traffic on a site LAN.
    default = httpx.AsyncHTTPTransport(verify=tls, limits=LIMITS, trust_env=False)
    transport: httpx.AsyncBaseTransport = RoutingTransport(default, BulkTransport(LIMITS))  # see _bulk
    return httpx.AsyncClient(
        transport=wrap(transport) if wrap is not None else transport,
        timeout=timeout,
        follow_redirects=False,  # a redirect to another host would carry credentials there
        headers={"User-Agent": f"vms_desk/{__version__}"},
        trust_env=False,
    )


TLS_PIN_SETTING = "tls_sha256"


def http_client_for(config: ServerConfig) -> httpx.AsyncClient:
    """A client for one server: pinned to its trusted certificate when the user stored one."""
    return make_http_client(pinned_sha256=config.settings.get(TLS_PIN_SETTING) or None)
