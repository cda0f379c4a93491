"""The exacqVision session as the Request base's AuthPolicy: form login, `s=`, one re-login.

`prepare` logs in (POST /v1/login.web) when there is no session; `credentials` adds `s=SESSION` to
every session-bound request; `refused` says which replies mean the session is gone: HTTP 401, and a
2xx with `success: false` (exacq answers a dead session that way too, `build(session_status=200)` in
the simulator), except on a call about one export, where `success: false` is that export's own
failure (issue 9 point 7, docs/vendors/exacq.md); `recover` logs in again once.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qsl, urlsplit

from vms_desk.core.errors import AuthFailed
from vms_desk.vendors.exacq.requests import Login
from vms_desk.vendors.exacq.wire import LoginReply
from vms_desk.vendors.exacq.wire import Reply as ExacqReply
from vms_desk.vendors.request import AuthPolicy, Credentials, FunnelLike, Reply

log = logging.getLogger(__name__)
SCHEME = "form login (s=)"


class ExacqSession(AuthPolicy):
    """One web service login: its session id, and what the login said about the server."""

    def __init__(self, user: str, password: str | None, server_id: str, where: str) -> None:
        self.user = user
        self.server_id = server_id
        self.where = where
        self._password = password
        self.session: str | None = None
        self.login: LoginReply | None = None
        self._lock = asyncio.Lock()

    async def prepare(self, funnel: FunnelLike) -> None:
        """Log in when there is no session."""
        await self.current(funnel)

    def credentials(self) -> Credentials:
        """`s=` the session."""
        if self.session is None:
            return Credentials()
        return Credentials(params=(("s", self.session),), scheme=SCHEME)

    def refused(self, reply: Reply) -> bool:
        """401, or a 2xx `success: false` that is not about one export."""
        if reply.status == 401:
            return True
        query = dict(parse_qsl(urlsplit(reply.url).query)) if reply.url else {}
        return 200 <= reply.status < 300 and ExacqReply.of(reply).refused and "export" not in query

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        """Log in again once (unless another call already did) and repeat."""
        stale = dict(used.params).get("s", "")
        log.info("%s refused the session (%s %s, HTTP %s); logging in again", self.where, reply.method,
                 reply.path, reply.status)  # fmt: skip
        await self.renew(funnel, stale)
        return True

    async def current(self, funnel: FunnelLike) -> str:
        """The session id, logging in first when there is none."""
        async with self._lock:
            return self.session or await self._login(funnel)

    async def renew(self, funnel: FunnelLike, stale: str) -> str:
        """A new session instead of `stale` (or the one another call already made)."""
        async with self._lock:
            if self.session and self.session != stale:
                return self.session
            self.session = None
            return await self._login(funnel)

    async def _login(self, funnel: FunnelLike) -> str:
        if self._password is None:
            raise AuthFailed(f"No password is known for {self.where}: enter it in the server's settings.")
        self.login = await funnel.call(Login(self.user, self._password, self.server_id))
        self.session = self.login.session_id
        return self.session
