"""HTTP authentication as an Axis device does it: Digest (RFC 7616, SHA-256 or MD5, qop=auth) and Basic.

Which schemes the simulator offers is chosen when it is built: `build(state, auth_schemes=("basic",))`,
or for `vms-desk sim axis` the environment variable VMS_DESK_SIM_AXIS_AUTH, a comma list of
`digest-sha256`, `digest` (MD5) and `basic` (default `digest`); the fault switch `axis_auth` (same form,
via POST /_sim/faults) overrides it while set, e.g. "digest-sha256,digest,basic" for the multi-challenge
of AXIS OS. Every scheme offered gets its own WWW-Authenticate header, in the order named.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from urllib.request import parse_http_list, parse_keqv_list

from starlette.requests import Request
from starlette.responses import Response

from vms_desk.sim.base import SimState

ENV_SCHEMES = "VMS_DESK_SIM_AXIS_AUTH"
SCHEMES = ("digest-sha256", "digest", "basic")
ALGORITHMS = {"digest-sha256": "SHA-256", "digest": "MD5"}
NONCE_LIFETIME = 600.0  # seconds; an older nonce is answered with stale=true
MAX_NONCES = 512  # oldest nonces are forgotten first (their clients then get stale=true)

Handler = Callable[[Request], Awaitable[Response]]


def schemes_from_env() -> tuple[str, ...]:
    """The schemes named in VMS_DESK_SIM_AXIS_AUTH, or ("digest",)."""
    return parse_schemes(os.environ.get(ENV_SCHEMES, "digest"), ENV_SCHEMES)


def parse_schemes(raw: str, where: str) -> tuple[str, ...]:
    """A comma list of SCHEMES, checked."""
    names = tuple(n.strip().lower() for n in raw.split(",") if n.strip())
    unknown = [n for n in names if n not in SCHEMES]
    if unknown or not names:
        raise ValueError(f"{where} must name some of {', '.join(SCHEMES)}, not {raw!r}")
    return names


def _hash(algorithm: str, text: str) -> str:
    function = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5
    return function(text.encode(), usedforsecurity=False).hexdigest()


class AuthGate:
    """Checks credentials on every request; answers 401 with the challenge(s) when they are missing."""

    def __init__(self, state: SimState, realm: str, schemes: Sequence[str]) -> None:
        self.state = state
        self.realm = realm
        self.built_schemes = tuple(schemes)
        self._nonces: OrderedDict[str, tuple[float, set[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def protect(self, handler: Handler) -> Handler:
        """`handler` behind the gate."""

        async def gated(request: Request) -> Response:
            if self.state.faults.take_expiry():
                with self._lock:
                    self._nonces.clear()  # every client's nonce is now unknown: stale=true
            refused = self.check(request)
            return refused if refused is not None else await handler(request)

        return gated

    @property
    def schemes(self) -> tuple[str, ...]:
        """What is offered now: the axis_auth fault switch while set, else what the gate was built with."""
        switched = self.state.faults.axis_auth
        return parse_schemes(switched, "axis_auth") if switched else self.built_schemes

    def check(self, request: Request) -> Response | None:
        """None when the request carries valid credentials, else the 401 to send."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "digest" and any(s in ALGORITHMS for s in self.schemes):
            verdict = self._digest(request, value)
            return None if verdict == "ok" else self.challenge(stale=verdict == "stale")
        if scheme == "basic" and "basic" in self.schemes and self._basic(value):
            return None
        return self.challenge()

    def challenge(self, *, stale: bool = False) -> Response:
        """401 with one WWW-Authenticate header per offered scheme."""
        response = Response("401 Unauthorized", status_code=401, media_type="text/plain")
        for scheme in self.schemes:
            if scheme in ALGORITHMS:
                nonce = self._new_nonce()
                algorithm = ALGORITHMS[scheme]
                value = f'Digest realm="{self.realm}", nonce="{nonce}", algorithm={algorithm}, qop="auth"'
                response.headers.append("WWW-Authenticate", value + (", stale=true" if stale else ""))
            else:
                response.headers.append("WWW-Authenticate", f'Basic realm="{self.realm}"')
        return response

    def _new_nonce(self) -> str:
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces[nonce] = (time.monotonic(), set())
            while len(self._nonces) > MAX_NONCES:
                self._nonces.popitem(last=False)
        return nonce

    def _basic(self, value: str) -> bool:
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        state = self.state
        return hmac.compare_digest(user, state.user) and hmac.compare_digest(password, state.password)

    def _digest(self, request: Request, value: str) -> str:
        """'ok', 'stale' (right credentials, unknown or old nonce) or 'fail'."""
        fields = self._valid_digest_fields(request, value)
        if fields is None:
            return "fail"
        try:
            count = int(fields["nc"], 16)
        except ValueError:
            return "fail"
        with self._lock:
            entry = self._nonces.get(fields["nonce"])
            if entry is None or time.monotonic() - entry[0] > NONCE_LIFETIME:
                return "stale"
            # A nonce count seen before is a replay. Counts may arrive out of order when a client
            # sends requests concurrently, so only exact repeats are refused.
            if count in entry[1]:
                return "fail"
            entry[1].add(count)
        return "ok"

    def _valid_digest_fields(self, request: Request, value: str) -> dict[str, str] | None:
        """The Authorization fields when the response hash is right for this request, else None."""
        try:
            fields: dict[str, str] = parse_keqv_list(parse_http_list(value))
        except ValueError:
            return None
        needed = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        # qop=auth was offered, so RFC 2069 answers without it are refused.
        if any(k not in fields for k in needed) or fields["qop"] != "auth":
            return None
        query = request.scope.get("query_string", b"").decode("latin-1")
        uri = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        algorithm = fields.get("algorithm", "MD5").upper()
        if (
            algorithm not in {ALGORITHMS[s] for s in self.schemes if s in ALGORITHMS}
            or fields["realm"] != self.realm
            or fields["uri"] != (f"{uri}?{query}" if query else uri)
            or fields["username"] != self.state.user
        ):
            return None
        ha1 = _hash(algorithm, f"{self.state.user}:{self.realm}:{self.state.password}")
        ha2 = _hash(algorithm, f"{request.method}:{fields['uri']}")
        expected = _hash(algorithm, f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
        return fields if hmac.compare_digest(expected, fields["response"]) else None
