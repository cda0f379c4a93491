"""Axxon PSIM token auth as a `vendors.request.AuthPolicy`: `/token` with Basic, then Bearer, renewed once.

A server that answers 404 for `/token` has no token auth and is used without it (a choice recorded in
VENDOR-NOTES, Decisions). The token is a secret: it is never logged or stored.
"""

from __future__ import annotations

import asyncio
import logging

from vms_desk.core.errors import VmsDeskError
from vms_desk.vendors.axxon_psim.requests import GetToken
from vms_desk.vendors.request import AuthPolicy, Credentials, FunnelLike, Reply

log = logging.getLogger(__name__)


class PsimAuth(AuthPolicy):
    """The current bearer token on every task request; one login at a time across tasks."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user
        self._password = password
        self._token: str | None = None
        self.uses_token: bool | None = None  # None until /token was asked; False: the server has none
        self._lock = asyncio.Lock()

    async def login(self, funnel: FunnelLike) -> None:
        """Ask for a fresh token now."""
        async with self._lock:
            await self._login(funnel)

    async def _login(self, funnel: FunnelLike) -> None:
        token = await funnel.call(GetToken(self._user, self._password))
        self._token, self.uses_token = token, token is not None

    async def prepare(self, funnel: FunnelLike) -> None:
        """Log in unless already done."""
        if self.uses_token is None:
            async with self._lock:
                if self.uses_token is None:
                    await self._login(funnel)

    def credentials(self) -> Credentials:
        """`Authorization: Bearer` when the server gave a token."""
        if self._token:
            return Credentials(headers={"Authorization": f"Bearer {self._token}"}, scheme="bearer")
        return Credentials()

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        """401 (or a refused download): a new token, unless another request already replaced it."""
        if reply.status not in (401, 403) or (reply.status == 403 and not self.uses_token):
            return False
        async with self._lock:
            if self.credentials() == used:
                await self._login(funnel)
        return self.uses_token is True

    async def logout(self, funnel: FunnelLike) -> None:
        """Give the token back (`expires_in=0` logs out); never raises."""
        if not self._token:
            return
        try:
            await funnel.call(GetToken(self._user, self._password, expires_in=0))
        except VmsDeskError as exc:  # closing must never fail the caller; the token expires anyway
            log.debug("PSIM logout failed: %s", exc.detail or exc)
        self._token, self.uses_token = None, None
