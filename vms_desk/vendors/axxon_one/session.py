"""Axxon One authentication as a `vendors.request.AuthPolicy`: Basic first, a Bearer token after a refusal.

The docs accept both schemes; a demo stand seen by public client code refused Basic on legacy paths
(VENDOR-NOTES 1.2). So every call starts with Basic; the first 401 fetches a token through
POST /grpc AuthenticateEx (itself Basic-authenticated) and the funnel repeats the call with Bearer.
A 403 under Basic is treated the same way once (docs/vendors/axxon-one.md, point 6): public notes
report paths that refuse Basic but serve a Bearer token, so only a 403 that survives Bearer means "no
rights". From then on this server is spoken to with Bearer only. A Bearer 401 (the session expired)
re-obtains the token once. Tokens near their `expires_at` are renewed beforehand.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from datetime import datetime, timedelta
from enum import StrEnum

from vms_desk.core.errors import AuthFailed, VmsDeskError
from vms_desk.core.times import now_utc
from vms_desk.vendors.axxon_one.requests import Authenticate, SessionCall
from vms_desk.vendors.axxon_one.wire import LABEL, AuthReply
from vms_desk.vendors.request import AuthPolicy, Credentials, FunnelLike, Reply

TOKEN_OK = "AUTHENTICATE_CODE_OK"  # noqa: S105 - a status code, not a secret
RENEW_MARGIN = timedelta(seconds=30)


class Scheme(StrEnum):
    """How requests are authenticated right now."""

    BASIC = "basic"
    BEARER = "bearer"


def basic_header(user: str, password: str) -> str:
    """The `Authorization: Basic` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class AxxonAuth(AuthPolicy):
    """Basic, then Bearer from AuthenticateEx after a 401 (or a Basic 403); one login at a time."""

    def __init__(self, user: str, password: str) -> None:
        self._basic = basic_header(user, password)
        self._user = user
        self._password = password
        self.scheme = Scheme.BASIC
        self._token: str | None = None
        self._expires: datetime | None = None
        self._lock = asyncio.Lock()

    def credentials(self) -> Credentials:
        """The header for the current scheme."""
        if self.scheme is Scheme.BEARER and self._token:
            return Credentials(headers={"Authorization": f"Bearer {self._token}"}, scheme="bearer")
        return Credentials(headers={"Authorization": self._basic}, scheme="basic")

    async def prepare(self, funnel: FunnelLike) -> None:
        """Renew a Bearer token that is about to expire."""
        expires = self._expires
        if self.scheme is not Scheme.BEARER or expires is None or expires - now_utc() > RENEW_MARGIN:
            return
        used = self.credentials()
        async with self._lock:
            if self.credentials() != used:  # another request renewed it meanwhile
                return
            try:
                self._adopt(await funnel.call(SessionCall(token=self._token or "", name="RenewSession")))
            except VmsDeskError:
                # RenewSession needs a live token; when it is already gone, log in afresh.
                await self._authenticate(funnel)

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        """401: (re-)obtain a token and repeat. 403 under Basic: try Bearer once before "no rights"."""
        if reply.status == 403 and used.scheme == "basic":
            async with self._lock:
                if self.credentials() != used:
                    return True
                try:
                    await self._authenticate(funnel)
                except VmsDeskError:
                    return False  # no token to be had: the 403 stands, as the server said it
            return True
        if reply.status != 401:
            return False
        async with self._lock:
            if self.credentials() == used:  # nobody re-authenticated since this request went out
                await self._authenticate(funnel)
        return True

    async def _authenticate(self, funnel: FunnelLike) -> None:
        """AuthenticateEx with Basic; switches this session to Bearer."""
        self._adopt(await funnel.call(Authenticate(self._user, self._password, self._basic)))

    def _adopt(self, reply: AuthReply) -> None:
        if reply.error_code != TOKEN_OK or not reply.token_value:
            code = reply.error_code or "no token given"
            raise AuthFailed(
                f"{LABEL} refused to log in this user. Check the user name and password. "
                f'The server said: "{code}" (AuthenticateEx error_code).',
                detail=f"AuthenticateEx error_code={reply.error_code!r}",
            )
        self._token = reply.token_value
        self._expires = reply.expiry()
        self.scheme = Scheme.BEARER

    async def close(self, funnel: FunnelLike) -> None:
        """CloseSession when a token is held; never raises."""
        if self._token is None:
            return
        with contextlib.suppress(VmsDeskError):
            await funnel.call(SessionCall(token=self._token, name="CloseSession"))
        self._token, self._expires, self.scheme = None, None, Scheme.BASIC
