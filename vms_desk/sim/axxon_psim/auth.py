"""PSIM simulator auth: one token per user, and the Basic credentials of `/token`."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass, field

from starlette.requests import Request

MAX_TOKEN_SECONDS = 24 * 3600  # documented maximum: one day
DEFAULT_TOKEN_SECONDS = 1800


@dataclass
class Tokens:
    """Live tokens, one per user, and whether any was ever issued (which switches auth on)."""

    by_user: dict[str, tuple[str, float]] = field(default_factory=dict)
    issued_any: bool = False

    def issue(self, user: str, seconds: int) -> str:
        """A new token for `user`; the user's previous token stops working (a choice: one per user)."""
        token = secrets.token_urlsafe(24)
        self.by_user[user] = (token, time.monotonic() + seconds)
        self.issued_any = True
        return token

    def revoke(self, user: str) -> None:
        """Log `user` out (expires_in=0)."""
        self.by_user.pop(user, None)

    def clear(self) -> None:
        """Invalidate every token (the expire_sessions fault)."""
        self.by_user.clear()

    def valid(self, token: str | None) -> bool:
        """True for a current, unexpired token."""
        now = time.monotonic()
        return bool(token) and any(t == token and now < until for t, until in self.by_user.values())

    def allows(self, request: Request) -> bool:
        """Whether a task request may proceed: always before any token was issued, else a live token."""
        if not self.issued_any:
            return True
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else request.query_params.get("token")
        return self.valid(token)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None
