"""The VDG Sense session as the Request base's AuthPolicy: login, the cookies it sets, one re-login.

`prepare` logs in when no scheme is chosen yet (see login.py: the documented AuthenticateUserDigest
message first in `auto`, then HTTP Basic); `credentials` carries the session cookies (never httpx's
shared jar, which other servers on the same host would share) and, under Basic, the Basic header;
`recover` answers a 401: a digest session is logged in again once, and in `auto` a digest session that
`/command` still refuses right after a fresh login switches to Basic. The scheme that got a command
through is `login_scheme`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime, timedelta

import httpx

from vms_desk.core.errors import AuthFailed, ProtocolError
from vms_desk.vendors._http import Funnel, reply_error
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors.request import AuthPolicy, Credentials, FunnelLike, Reply
from vms_desk.vendors.vdg_sense.login import (
    BASIC_SCHEME,
    DIGEST_SCHEME,
    LOGIN_SETTING,
    NONCE_SETTING,
    RECIPE_SETTING,
    WEBSERVICE_PATH,
    AuthenticateUserDigest,
    LoginMode,
    LoginSettings,
    LoginVerdict,
    timestamp,
)
from vms_desk.vendors.vdg_sense.requests import GetInfo

log = logging.getLogger(__name__)


class VdgSession(AuthPolicy):
    """One server's API session: cookies, the scheme in use, and the server's clock and version."""

    def __init__(self, user: str, password: str, settings: LoginSettings, label: str) -> None:
        self.user = user
        self.label = label
        self.settings = settings
        self._password = password
        self._basic = httpx.BasicAuth(user, password)
        self.cookies: dict[str, str] = {}
        self.scheme: str | None = None  # the scheme commands are sent with now
        self.login_scheme: str | None = None  # the scheme that got a command through
        self.digest_refusal: LoginVerdict | None = None
        self.info: tuple[str, timedelta] | None = None  # (API version, server clock - ours)
        self._fresh_digest = False  # a digest login happened and no command has gone through since
        self._lock = asyncio.Lock()

    # --- the AuthPolicy hooks ----------------------------------------------------------------------
    async def prepare(self, funnel: FunnelLike) -> None:
        """Log in when no scheme is chosen yet."""
        if self.scheme is None:
            async with self._lock:
                if self.scheme is None:
                    await self._login(funnel)

    def credentials(self) -> Credentials:
        """The session cookies; the Basic header too under Basic."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        auth = self._basic if self.scheme == BASIC_SCHEME else None
        # An explicit Cookie header (even empty) keeps httpx's shared jar out of this session.
        return Credentials(headers={"Cookie": cookie}, auth=auth, scheme=self.scheme or "none")

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        """A 401 on a digest session: log in again once (or, fresh and still refused in auto, use Basic)."""
        if reply.status != 401 or used.scheme != DIGEST_SCHEME:
            return False
        async with self._lock:
            if self.credentials() != used:
                return True  # another call has logged in again already
            if self._fresh_digest and self.settings.mode is LoginMode.AUTO:
                log.info("%s: /command wants more than the digest session: HTTP Basic", self.label)
                self.scheme = BASIC_SCHEME
                return True
            log.info("%s refused the digest session; logging in again", self.label)
            self.cookies.clear()
            self.scheme = None
            await self._login(funnel)
        return True

    # --- what the client tells the session ----------------------------------------------------------
    def absorb(self, reply: Reply, *, confirm: bool = True) -> None:
        """Keep the cookies a reply sets; a command's reply below 400 confirms the scheme in use."""
        for header in reply.headers.get_list("set-cookie"):
            name, sep, value = header.split(";", 1)[0].partition("=")
            if sep and name.strip():
                self.cookies[name.strip()] = value.strip()
        if confirm and reply.status < 400:
            self._fresh_digest = False
            if self.login_scheme != self.scheme:
                self.login_scheme = self.scheme
                log.info("%s: signed in with %s", self.label, self.scheme)

    def forget(self) -> None:
        """End the session locally (no documented logout): the next call logs in again."""
        self.cookies.clear()
        self.scheme = None

    def hash(self) -> str:
        """A hash naming the current API session ("" while the server has set no cookie)."""
        if not self.cookies:
            return ""
        joined = "; ".join(f"{k}={v}" for k, v in sorted(self.cookies.items()))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]

    def refusal_error(self, reply: Reply, words: str) -> AuthFailed:
        """The 401 of a command, naming every scheme tried and the server's words."""
        tried = [self.scheme or BASIC_SCHEME]
        if self.digest_refusal is not None and self.scheme == BASIC_SCHEME:
            why = self.digest_refusal.text or self.digest_refusal.code or "no reason given"
            tried = [f"{DIGEST_SCHEME} (refused: {why})", *tried]
        sentence = (
            f"{self.label} refused the user name or password (tried {' and then '.join(tried)}). "
            f"Check them, and the login settings ({LOGIN_SETTING}, {NONCE_SETTING}) in the server's settings"
        )
        return AuthFailed(
            with_server_words(sentence, words, "HTTP 401"), detail=f"{reply.method} {reply.path} -> 401"
        )

    # --- login --------------------------------------------------------------------------------------
    async def read_info(self, funnel: FunnelLike) -> tuple[str, timedelta]:
        """/info once: the API version and the server's clock offset (none before API 2.6.1)."""
        if self.info is None:
            found = await funnel.call(GetInfo())
            version, clock = found if found is not None else ("", None)
            self.info = (version, clock - datetime.now(UTC) if clock is not None else timedelta(0))
        return self.info

    async def _login(self, funnel: FunnelLike) -> None:
        if self.settings.mode is LoginMode.BASIC:
            self.scheme = BASIC_SCHEME
            return
        verdict = await self._digest_login(funnel)
        if verdict.accepted:
            self.scheme, self.digest_refusal, self._fresh_digest = DIGEST_SCHEME, None, True
            return
        self.digest_refusal = verdict
        if self.settings.mode is LoginMode.DIGEST:
            raise AuthFailed(
                with_server_words(
                    f"{self.label} refused the {DIGEST_SCHEME} login for {self.user!r}. "
                    "Check the user name and password; if they are right, the server may compute the digest "
                    f"differently (settings {NONCE_SETTING}, {RECIPE_SETTING}) or accept only HTTP Basic "
                    f"({LOGIN_SETTING}=basic)",
                    verdict.text,
                    verdict.code,
                ),
                detail=f"POST {WEBSERVICE_PATH}: {verdict}",
            )
        log.info(
            "%s did not accept the %s login (%s %s); falling back to HTTP Basic",
            self.label,
            DIGEST_SCHEME,
            verdict.code,
            verdict.text,
        )
        self.scheme = BASIC_SCHEME

    async def _digest_login(self, funnel: FunnelLike) -> LoginVerdict:
        _, offset = await self.read_info(funnel)
        message = AuthenticateUserDigest(
            self.user,
            self._password,
            self.settings.nonce,
            timestamp(datetime.now(UTC) + offset),
            self.settings.recipe,
        )
        if not isinstance(funnel, Funnel):  # pragma: no cover - the client always passes its Funnel
            raise TypeError("the VDG session logs in through a Funnel")
        reply = await funnel.exchange(message)
        if reply.status >= 500:
            raise reply_error(reply, self.label)
        try:
            verdict = message.decode(reply)
        except ProtocolError as exc:
            return LoginVerdict(False, str(exc), "not XML")
        if verdict.accepted:
            self.absorb(reply, confirm=False)
        return verdict
