"""Axxon One simulator authentication: Basic, and Bearer tokens from the /grpc AuthenticationService."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from vms_desk.sim.axxon_one.common import AxxonSimConfig, json_reply, name_time, read_json, text_reply
from vms_desk.sim.base import SimState

_AUTH_SERVICE = "axxonsoft.bl.auth.AuthenticationService."
BASIC, BEARER = "basic", "bearer"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class Tokens:
    """Issued Bearer tokens and the per-request credential check (honours the session-expiry fault)."""

    def __init__(self, state: SimState, config: AxxonSimConfig) -> None:
        self.state = state
        self.config = config
        self.tokens: dict[str, datetime] = {}
        self.user_id = str(uuid.UUID(int=0x328E38744A339DD129EB44C37A44121C))

    def issue(self) -> tuple[str, datetime]:
        """A new JWT-shaped token and its expiry (whole seconds, as the server reports it)."""
        now = datetime.now(UTC).replace(microsecond=0)
        expires = now + timedelta(seconds=self.config.token_seconds)
        claims = {"lgn": self.state.user, "exp": int(expires.timestamp()), "iat": int(now.timestamp())}
        token = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(claims)}.{secrets.token_urlsafe(32)}"
        self.tokens[token] = expires
        return token, expires

    def scheme(self, request: Request) -> tuple[str, str] | None:
        """(scheme, token-or-user) of valid credentials on this request, or None."""
        header = request.headers.get("authorization", "")
        kind, _, value = header.partition(" ")
        if kind.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            ok = secrets.compare_digest(user, self.state.user) and secrets.compare_digest(
                password, self.state.password
            )
            return (BASIC, user) if ok else None
        if kind.lower() == "bearer":
            expires = self.tokens.get(value.strip())
            if expires is not None and expires > datetime.now(UTC):
                return BEARER, value.strip()
        return None

    def check(self, request: Request, *, basic_ok: bool = True, basic_403: bool = False) -> Response | None:
        """None when the request may proceed, else the 401 to send.

        The session-expiry fault is applied here, at the start of every request, so a token that was
        valid a moment ago is refused from now on.
        """
        if self.state.faults.take_expiry():
            self.tokens.clear()
        found = self.scheme(request)
        if found is not None and found[0] == BASIC and basic_403:
            # What public notes report of some servers: valid Basic credentials, 403, Bearer accepted.
            return text_reply("Forbidden", 403)
        if found is None or (found[0] == BASIC and not basic_ok):
            response = text_reply("Unauthorized", 401)
            response.headers["WWW-Authenticate"] = 'Basic realm="AxxonOne"'
            return response
        return None

    def _token_reply(self) -> Response:
        token, expires = self.issue()
        return json_reply(
            {
                "token_name": "auth_token",
                "token_value": token,
                "expires_at": name_time(expires),
                "is_unrestricted": True,
                "user_id": self.user_id,
                "roles_ids": ["9745b902-2a36-4035-bdd6-012e0dae66c0"],
                "error_code": "AUTHENTICATE_CODE_OK",
            }
        )

    async def grpc(self, request: Request) -> Response:
        """POST /grpc: AuthenticateEx (Basic), RenewSession and CloseSession (Bearer)."""
        refused = self.check(request)
        if refused is not None:
            return refused
        try:
            payload = read_json(await request.body())
            method, data = str(payload["method"]), dict(payload.get("data") or {})
        except (ValueError, TypeError, KeyError, AttributeError):
            return json_reply({"error": 'request body must be {"method": ..., "data": {...}}'}, 400)
        found = self.scheme(request)
        assert found is not None
        if not method.startswith(_AUTH_SERVICE):
            # Other services are proxied by a real server; the simulator has none of them.
            return json_reply({"error": f"method {method} is not available"}, 501)
        return self._dispatch(method.removeprefix(_AUTH_SERVICE), data, found)

    def _dispatch(self, name: str, data: dict[str, object], found: tuple[str, str]) -> Response:
        if name in ("AuthenticateEx", "AuthenticateEx2"):
            user, password = str(data.get("user_name", "")), str(data.get("password", ""))
            if user != self.state.user or password != self.state.password:
                # A choice: the refusal code for wrong credentials is not in the public record.
                return json_reply({"error_code": "AUTHENTICATE_CODE_WRONG_CREDENTIALS"})
            return self._token_reply()
        if name in ("RenewSession", "CloseSession"):
            if found[0] != BEARER:
                return text_reply("Unauthorized: a session token is required", 401)
            self.tokens.pop(found[1], None)
            return self._token_reply() if name == "RenewSession" else json_reply({"error_code": "OK"})
        return json_reply({"error": f"method {_AUTH_SERVICE}{name} is not available"}, 501)
