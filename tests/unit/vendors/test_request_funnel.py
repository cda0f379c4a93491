"""Funnel.call over the request base: the auth policy's hooks, a single re-login, the server's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

import httpx
import pytest

from vms_desk.core.errors import AuthFailed, NotFound, ProtocolError
from vms_desk.vendors._http import Funnel
from vms_desk.vendors.request import AuthPolicy, Credentials, FunnelLike, Reply, Request, tail_of


@dataclass(frozen=True)
class Ping(Request[str]):
    """A made-up endpoint: its decode reads the body as text."""

    accepts: ClassVar[frozenset[int]] = frozenset({409})

    @property
    def path(self) -> str:
        return "ping"

    def decode(self, reply: Reply) -> str:
        if not reply.text.startswith("pong"):
            raise ProtocolError("not a pong")
        return reply.text

    @classmethod
    def example(cls) -> Self:
        return cls()


class CountingPolicy(AuthPolicy):
    """Logs in (a header number) on every recover; a 200 "expired" body also counts as refused."""

    def __init__(self) -> None:
        self.logins = 0

    def credentials(self) -> Credentials:
        return Credentials(headers={"X-Login": str(self.logins)})

    def refused(self, reply: Reply) -> bool:
        return reply.status >= 400 or reply.content == b"expired"

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        self.logins += 1
        return True


def _funnel(handler: httpx.MockTransport, policy: AuthPolicy) -> Funnel:
    return Funnel(httpx.AsyncClient(transport=handler), "http://vms.test", "The test server", auth=policy)


@pytest.mark.asyncio
async def test_a_refusal_logs_in_once_and_repeats_once() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["x-login"])
        return httpx.Response(401, text="Session expired, code E17")

    policy = CountingPolicy()
    with pytest.raises(AuthFailed) as caught:
        await _funnel(httpx.MockTransport(handle), policy).call(Ping())
    assert seen == ["0", "1"]  # the first attempt, then exactly one repeat after one login
    assert policy.logins == 1
    assert str(caught.value).endswith('The server said: "Session expired, code E17" (HTTP 401).')
    assert tail_of(caught.value) == ' The server said: "Session expired, code E17" (HTTP 401).'


@pytest.mark.asyncio
async def test_the_policy_may_call_a_200_refused() -> None:
    replies = iter([b"expired", b"pong 1"])

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(replies))

    policy = CountingPolicy()
    assert await _funnel(httpx.MockTransport(handle), policy).call(Ping()) == "pong 1"
    assert policy.logins == 1


@pytest.mark.asyncio
async def test_accepted_statuses_reach_decode_and_others_keep_the_servers_words() -> None:
    statuses = iter([(409, b"pong busy"), (404, b'{"error": "no such ping"}')])

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = next(statuses)
        return httpx.Response(status, content=body)

    funnel = _funnel(httpx.MockTransport(handle), AuthPolicy())
    assert await funnel.call(Ping()) == "pong busy"
    with pytest.raises(NotFound, match=r'The server said: "no such ping" \(HTTP 404\)\.$'):
        await funnel.call(Ping())
