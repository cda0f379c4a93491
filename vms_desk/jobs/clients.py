"""One connected vendor client per server account, shared by that server's jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from vms_desk.core.errors import AuthFailed, NotFound
from vms_desk.core.models import Camera, ServerConfig
from vms_desk.core.protocol import VendorClient
from vms_desk.jobs.backoff import RetryHook, RetryPolicy, retrying
from vms_desk.jobs.credentials import Credentials, server_key
from vms_desk.vendors.http_client import TLS_PIN_SETTING, http_client_for
from vms_desk.vendors.registry import create_client

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
        factory: ClientFactory = create_client,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.policy = policy
        self.factory = factory
        self._clients: dict[str, VendorClient] = {}
        self._cameras: dict[str, list[Camera]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._own_http: dict[str, httpx.AsyncClient] = {}

    async def get(self, server: ServerConfig, *, on_retry: RetryHook | None = None) -> VendorClient:
        """The server's client, logged in; connects on first use (transient failures retried)."""
        key = server_key(server)
        async with self._locks.setdefault(key, asyncio.Lock()):
            client = self._clients.get(key)
            if client is not None:
                return client
            http = self.http
            if server.settings.get(TLS_PIN_SETTING):
                # A server trusted by certificate fingerprint gets its own pinned connection pool.
                http = self._own_http.get(key) or http_client_for(server)
                self._own_http[key] = http
            client = self.factory(server, self.credentials(server), http)
            try:
                await retrying(client.connect, self.policy, on_retry=on_retry)
            except BaseException:
                await _close(client)
                raise
            self._clients[key] = client
            return client

    async def camera(self, server: ServerConfig, camera_id: str) -> Camera:
        """The camera with this id on the server (the list is fetched once); NotFound when unknown."""
        key = server_key(server)
        client = await self.get(server)
        if key not in self._cameras:
            self._cameras[key] = await retrying(client.list_cameras, self.policy)
        for camera in self._cameras[key]:
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


async def _close(client: VendorClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.aclose(), timeout=10)
