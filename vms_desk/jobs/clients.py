"""One connected vendor client per server account, shared by that server's jobs and the window.

Every client is made here, so a server trusted by certificate fingerprint (`tls_sha256`) gets its
pinned connection pool wherever it is contacted: jobs, the source tree, the connection test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace

import httpx

from vms_desk.core.errors import AuthFailed, NotFound
from vms_desk.core.models import Camera, ServerConfig, ServerInfo
from vms_desk.core.protocol import VendorClient
from vms_desk.jobs.backoff import RetryHook, RetryPolicy, retrying
from vms_desk.jobs.credentials import Credentials, server_key
from vms_desk.vendors.http_client import TLS_PIN_SETTING, http_client_for

log = logging.getLogger(__name__)

ClientFactory = Callable[[ServerConfig, str | None, httpx.AsyncClient], VendorClient]


class ClientPool:
    """Creates, connects (with retries) and caches clients; closes them all at the end."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        *,
        policy: RetryPolicy,
        factory: ClientFactory | None = None,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.policy = policy
        self.factory = factory or _create_client
        self._clients: dict[str, VendorClient] = {}
        self._cameras: dict[str, list[Camera]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._own_http: dict[str, httpx.AsyncClient] = {}
        self._info: dict[str, ServerInfo] = {}

    async def get(
        self, server: ServerConfig, *, on_retry: RetryHook | None = None, once: bool = False
    ) -> VendorClient:
        """The server's client, logged in; connects on first use (transient failures retried, unless
        `once`: the window shows a server's status at once and lets the user refresh)."""
        key = server_key(server)
        async with self._locks.setdefault(key, asyncio.Lock()):
            client = self._clients.get(key)
            if client is not None:
                return client
            client = self.factory(server, self.credentials(server), self._http_for(server))
            try:
                policy = replace(self.policy, attempts=1) if once else self.policy
                info = await retrying(client.connect, policy, on_retry=on_retry)
            except BaseException:
                await _close(client)
                raise
            self._clients[key] = client
            self._info[key] = info
            return client

    def info(self, server: ServerConfig) -> ServerInfo | None:
        """What the server said about itself at its last login (name, version), or None."""
        return self._info.get(server_key(server))

    def http_for(self, server: ServerConfig) -> httpx.AsyncClient:
        """The HTTP client requests to this server go through (its pinned one when it has a pin)."""
        return self._http_for(server)

    def _http_for(self, server: ServerConfig) -> httpx.AsyncClient:
        """The shared HTTP client, or the server's own pinned one when it is trusted by fingerprint."""
        if not server.settings.get(TLS_PIN_SETTING):
            return self.http
        key = server_key(server)
        http = self._own_http.get(key) or http_client_for(server)
        self._own_http[key] = http
        return http

    async def check(self, server: ServerConfig, password: str | None) -> tuple[ServerInfo, list[Camera]]:
        """Log in with `password` and list the cameras on a throw-away client (the connection test of a
        server not saved yet); nothing is cached. A pinned server is checked through its pinned pool."""
        pinned = bool(server.settings.get(TLS_PIN_SETTING))
        http = http_client_for(server) if pinned else self.http
        client = self.factory(server, password, http)
        try:
            info = await client.connect()
            cameras = await client.list_cameras()
        finally:
            await _close(client)
            if pinned:
                await http.aclose()
        return info, cameras

    async def cameras(
        self, server: ServerConfig, *, refresh: bool = False, once: bool = False
    ) -> list[Camera]:
        """The server's cameras (listed once, or again with `refresh`)."""
        key = server_key(server)
        client = await self.get(server, once=once)
        if refresh or key not in self._cameras:
            policy = replace(self.policy, attempts=1) if once else self.policy
            self._cameras[key] = await retrying(client.list_cameras, policy)
        return self._cameras[key]

    def connected(self, server: ServerConfig) -> VendorClient | None:
        """The server's logged-in client, or None when it is not connected (now)."""
        return self._clients.get(server_key(server))

    async def camera(self, server: ServerConfig, camera_id: str) -> Camera:
        """The camera with this id on the server (the list is fetched once); NotFound when unknown."""
        for camera in await self.cameras(server):
            if camera.id == camera_id:
                return camera
        raise NotFound(
            f"{server.label} has no camera with the id {camera_id!r}; list them with `vms-desk cameras`.",
            detail=f"camera {camera_id!r} not in the camera list",
        )

    async def forget(self, server: ServerConfig, error: BaseException | None = None) -> None:
        """Drop the server's client (e.g. after AuthFailed, so a retry logs in with fresh credentials)."""
        if error is not None and not isinstance(error, AuthFailed):
            return
        key = server_key(server)
        client = self._clients.pop(key, None)
        self._cameras.pop(key, None)
        if client is not None:
            await _close(client)
        if (http := self._own_http.pop(key, None)) is not None:
            await http.aclose()

    async def aclose(self) -> None:
        """Log out of every server (errors are logged, never raised)."""
        clients, self._clients = list(self._clients.values()), {}
        self._cameras.clear()
        for client in clients:
            await _close(client)
        owned, self._own_http = list(self._own_http.values()), {}
        for http in owned:
            await http.aclose()


def _create_client(config: ServerConfig, password: str | None, http: httpx.AsyncClient) -> VendorClient:
    # The registry imports every vendor: only when a first client is made, not when a command starts.
    from vms_desk.vendors.registry import create_client

    return create_client(config, password, http)


async def _close(client: VendorClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.aclose(), timeout=10)
