"""Axxon PSIM token session: `/token` with Basic, Bearer on every task request, renewed once on 401.

A server that answers 404 for `/token` has no token auth and is used without it (a choice recorded in
VENDOR-NOTES, Decisions). The token is a secret: it is never logged or stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx

from vms_desk.core.errors import AuthFailed, VmsDeskError
from vms_desk.core.protocol import Download
from vms_desk.vendors._http import Funnel, QueryParams, status_error
from vms_desk.vendors.axxon_psim.requests import GetToken, PsimRequest
from vms_desk.vendors.axxon_psim.wire import decode_token

log = logging.getLogger(__name__)


class TokenSession:
    """Sends PSIM requests with the current bearer token; one login at a time across tasks."""

    def __init__(self, funnel: Funnel, user: str, password: str) -> None:
        self.funnel = funnel
        self._basic = httpx.BasicAuth(user, password)
        self._token: str | None = None
        self.uses_token: bool | None = None  # None until /token was asked; False: the server has none
        self._lock = asyncio.Lock()

    async def _login(self) -> None:
        request = GetToken()
        response = await self.funnel.send(
            request.method, request.path, params=request.params(), auth=self._basic, check=False
        )
        if response.status_code == 404:
            self._token, self.uses_token = None, False
            return
        if response.status_code in (401, 403):
            raise AuthFailed(
                f"{self.funnel.label} refused the user name or password (HTTP {response.status_code}). "
                "Check them in the server's settings.",
                detail="GET /token refused",
            )
        if (error := status_error(response, self.funnel.label)) is not None:
            raise error
        self._token, self.uses_token = decode_token(response.content), True

    async def login(self) -> None:
        """Ask for a fresh token now."""
        async with self._lock:
            await self._login()

    async def ensure(self) -> None:
        """Log in unless already done."""
        async with self._lock:
            if self.uses_token is None:
                await self._login()

    async def _renew(self, failed: str | None) -> None:
        """A new token, unless another request already replaced the one that failed."""
        async with self._lock:
            if self.uses_token is None or self._token == failed:
                await self._login()

    @staticmethod
    def _headers(token: str | None) -> dict[str, str] | None:
        return {"Authorization": f"Bearer {token}"} if token else None

    def _refused(self) -> AuthFailed:
        return AuthFailed(
            f"{self.funnel.label} refused vms_desk's login token even after logging in again (HTTP 401). "
            "Check the user name, the password and the user's rights on the PSIM server.",
            detail="401 after token renewal",
        )

    async def call(self, request: PsimRequest) -> httpx.Response:
        """Send `request` with the token, renewing it once on 401; other statuses are returned as is."""
        await self.ensure()
        for attempt in (1, 2):
            token = self._token
            response = await self.funnel.send(
                request.method,
                request.path,
                params=request.params(),
                json=request.body(),
                headers=self._headers(token),
                check=False,
            )
            if response.status_code != 401:
                return response
            if attempt == 1:
                await self._renew(token)
        raise self._refused()

    @asynccontextmanager
    async def stream(self, path: str, params: QueryParams, offset: int) -> AsyncIterator[Download]:
        """A streamed GET with the token (renewed once on 401), resumed at `offset` where allowed."""
        await self.ensure()
        async with AsyncExitStack() as stack:
            body: Download | None = None
            for attempt in (1, 2):
                token = self._token
                try:
                    body = await stack.enter_async_context(
                        self.funnel.stream(
                            "GET", path, params=params, headers=self._headers(token), offset=offset
                        )
                    )
                    break
                except AuthFailed:
                    if attempt == 2 or not self.uses_token:
                        raise self._refused() from None
                    await self._renew(token)
            assert body is not None
            yield body

    async def logout(self) -> None:
        """Give the token back (`expires_in=0` logs out); never raises."""
        if not self._token:
            return
        request = GetToken(expires_in=0)
        try:
            await self.funnel.send(request.method, request.path, params=request.params(), auth=self._basic)
        except VmsDeskError as exc:  # closing must never fail the caller; the token expires anyway
            log.debug("PSIM logout failed: %s", exc.detail or exc)
        self._token, self.uses_token = None, None
