"""The Axxon One request funnel with its authentication: Basic first, a Bearer token after a 401.

The docs accept both schemes; a demo stand seen by public client code refused Basic on legacy paths
(VENDOR-NOTES 1.2). So every call starts with Basic; the first 401 fetches a token through
POST /grpc AuthenticateEx (itself Basic-authenticated) and repeats the call with Bearer. From then on
this server is spoken to with Bearer only, since Bearer is accepted everywhere. A Bearer 401 (the
session expired) re-obtains the token once. Tokens near their `expires_at` are renewed beforehand.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import httpx

from vms_desk.core.errors import AuthFailed, ServerError, VmsDeskError
from vms_desk.core.times import now_utc
from vms_desk.vendors._http import BodyStream, Funnel, status_error
from vms_desk.vendors.axxon_one.requests import Authenticate, AxxonRequest, SessionCall
from vms_desk.vendors.axxon_one.wire import LABEL, AuthReply

T = TypeVar("T")
R = TypeVar("R")
TOKEN_OK = "AUTHENTICATE_CODE_OK"  # noqa: S105 - a status code, not a secret
RENEW_MARGIN = timedelta(seconds=30)


class Scheme(StrEnum):
    """How requests are authenticated right now."""

    BASIC = "basic"
    BEARER = "bearer"


class _Unauthorized(Exception):
    """A 401 (or a refused stream) inside the funnel; carries the error to raise if retrying fails."""

    def __init__(self, error: ServerError) -> None:
        super().__init__(str(error))
        self.error = error


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class AxxonSession:
    """Sends AxxonRequests with the right Authorization header, recovering from 401 once."""

    def __init__(self, funnel: Funnel, user: str, password: str) -> None:
        self.funnel = funnel
        self._basic = _basic(user, password)
        self._user = user
        self._password = password
        self.scheme = Scheme.BASIC
        self._token: str | None = None
        self._expires: datetime | None = None
        self._generation = 0  # bumps on every new token, so concurrent 401s log in only once
        self._lock = asyncio.Lock()

    def _headers(self) -> dict[str, str]:
        if self.scheme is Scheme.BEARER and self._token:
            return {"Authorization": f"Bearer {self._token}"}
        return {"Authorization": self._basic}

    async def call(self, request: AxxonRequest[T]) -> T:
        """Send `request` and decode its reply; non-2xx replies become core errors."""

        async def attempt(headers: dict[str, str]) -> httpx.Response:
            response = await self.funnel.send(
                request.method,
                request.path,
                params=request.params,
                json=request.body,
                headers=headers,
                check=False,
            )
            if response.status_code == 401:
                raise _Unauthorized(_error(response))
            return response

        response = await self._with_auth(attempt)
        if response.status_code >= 400 and response.status_code not in request.accepts:
            raise request.refusal(response) or _error(response)
        return request.decode(response)

    @asynccontextmanager
    async def stream(self, request: AxxonRequest[Any], offset: int = 0) -> AsyncIterator[BodyStream]:
        """A streamed reply body from `offset`, with the same auth recovery as `call`."""
        async with AsyncExitStack() as stack:

            async def attempt(headers: dict[str, str]) -> BodyStream:
                opened = self.funnel.stream(
                    request.method, request.path, params=request.params, headers=headers, offset=offset
                )
                try:
                    return await stack.enter_async_context(opened)
                except AuthFailed as exc:  # 401 or 403: one fresh token is worth a try either way
                    raise _Unauthorized(exc) from exc

            yield await self._with_auth(attempt)

    async def _with_auth(self, attempt: Callable[[dict[str, str]], Awaitable[R]]) -> R:
        await self._renew_if_due()
        retried = False
        while True:
            generation = self._generation
            try:
                return await attempt(self._headers())
            except _Unauthorized as refused:
                if retried:
                    raise refused.error from None
                retried = True
                await self._recover(generation, refused.error)

    async def _recover(self, generation: int, error: ServerError) -> None:
        async with self._lock:
            if self._generation == generation:  # nobody re-authenticated since this request went out
                await self._authenticate(error)

    async def _authenticate(self, refused: ServerError) -> None:
        """AuthenticateEx with Basic; switches this session to Bearer."""
        request = Authenticate(self._user, self._password)
        response = await self.funnel.send(
            request.method,
            request.path,
            json=request.body,
            headers={"Authorization": self._basic},
            check=False,
        )
        if response.status_code in (404, 405, 501):
            # No gRPC gateway: Basic was refused and there is no token to fall back on.
            raise AuthFailed(
                f"{LABEL} refused the user name or password and offers no token login. Check them.",
                detail=f"{refused.detail}; POST grpc -> {response.status_code}",
            ) from refused
        if response.status_code >= 400:
            raise _error(response)
        self._adopt(request.decode(response))

    def _adopt(self, reply: AuthReply) -> None:
        if reply.error_code != TOKEN_OK or not reply.token_value:
            raise AuthFailed(
                f"{LABEL} refused to log in this user ({reply.error_code or 'no token given'}). "
                "Check the user name and password.",
                detail=f"AuthenticateEx error_code={reply.error_code!r}",
            )
        self._token = reply.token_value
        self._expires = reply.expiry()
        self.scheme = Scheme.BEARER
        self._generation += 1

    async def _renew_if_due(self) -> None:
        expires = self._expires
        if self.scheme is not Scheme.BEARER or expires is None or expires - now_utc() > RENEW_MARGIN:
            return
        generation = self._generation
        async with self._lock:
            if self._generation != generation:
                return
            try:
                reply = await self._session_call("RenewSession")
                self._adopt(reply)
            except VmsDeskError as exc:
                # RenewSession needs a live token; when it is already gone, log in afresh.
                await self._authenticate(exc if isinstance(exc, ServerError) else AuthFailed(str(exc)))

    async def _session_call(self, name: str) -> AuthReply:
        request = SessionCall(name)
        response = await self.funnel.send(
            request.method, request.path, json=request.body, headers=self._headers(), check=False
        )
        if response.status_code >= 400:
            raise _error(response)
        return request.decode(response)

    async def close(self) -> None:
        """CloseSession when a token is held; never raises."""
        if self._token is None:
            return
        with contextlib.suppress(VmsDeskError):
            await self._session_call("CloseSession")
        self._token, self._expires, self.scheme = None, None, Scheme.BASIC


def _error(response: httpx.Response) -> ServerError:
    error = status_error(response, LABEL)
    assert error is not None, "only called for statuses >= 400"
    return error
