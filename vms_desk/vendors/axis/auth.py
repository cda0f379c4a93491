"""Axis authentication as VAPIX documents it: ask without credentials, then answer the strongest challenge.

The device names its schemes in `WWW-Authenticate`, possibly several at once (one header each, or
several in one header): AXIS OS offers Digest with SHA-256 and with MD5, and Basic, side by side. The
client answers with the strongest it can (issue 9 point 13, docs/vendors/axis.md):
Digest SHA-256 (or another SHA-2 httpx computes) > Digest MD5 > Basic. Digest is computed by httpx's
RFC 7616 DigestAuth, fed only the chosen challenge (httpx would otherwise read several challenges as
one). Basic sends the password readable, so it is used only over HTTPS; over plain HTTP it is refused
with an explanation.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Generator
from dataclasses import dataclass

import httpx

from vms_desk.core.errors import AuthFailed, ProtocolError
from vms_desk.vendors.request import AuthPolicy, Credentials

log = logging.getLogger(__name__)

# Digest algorithms httpx computes, strongest first; RFC 7616's SHA-512-256 is not among them.
_DIGEST_RANK = {"SHA-512": 4, "SHA-512-SESS": 4, "SHA-256": 3, "SHA-256-SESS": 3, "MD5": 2, "MD5-SESS": 2}
_BASIC_RANK = 1
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"  # noqa: S105 - RFC 9110's token, not a password
# One auth-param (key=value or key="quoted"), or a scheme name that starts a new challenge.
_ITEM = re.compile(
    rf'\s*(?:(?P<scheme>{_TOKEN})(?:\s+|\s*$|\s*,))?\s*(?:(?P<key>{_TOKEN})\s*=\s*(?P<value>"(?:[^"\\]|\\.)*"|[^,\s]*))?\s*,?'
)


@dataclass(frozen=True)
class Challenge:
    """One challenge of a 401: its scheme, parameters and the text to hand to httpx."""

    scheme: str  # lower-case: "digest", "basic", ...
    params: dict[str, str]

    @property
    def algorithm(self) -> str:
        """The Digest algorithm (RFC 7616: MD5 when absent), upper-case."""
        return self.params.get("algorithm", "MD5").strip('"').upper()

    @property
    def label(self) -> str:
        """How the scheme is named to a person, e.g. "Digest SHA-256" or "Basic"."""
        return f"Digest {self.algorithm}" if self.scheme == "digest" else self.scheme.capitalize()

    @property
    def rank(self) -> int:
        """Strength: higher is stronger; 0 for what vms_desk cannot answer."""
        if self.scheme == "digest":
            return _DIGEST_RANK.get(self.algorithm, 0)
        return _BASIC_RANK if self.scheme == "basic" else 0

    def header(self) -> str:
        """This challenge alone, as a WWW-Authenticate value."""
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.scheme.capitalize()} {params}".strip()


def parse_challenges(values: list[str]) -> list[Challenge]:
    """Every challenge in the WWW-Authenticate headers, in the device's order."""
    found: list[Challenge] = []
    for value in values:
        position, current = 0, None
        while position < len(value):
            match = _ITEM.match(value, position)
            if match is None or match.end() == position:
                break
            position = match.end()
            scheme, key = match.group("scheme"), match.group("key")
            if scheme and (key or current is None or match.group(0).rstrip().endswith(scheme)):
                current = Challenge(scheme.lower(), {})
                found.append(current)
            if key and current is not None:
                current.params[key.lower()] = match.group("value") or ""
    return found


def offered_schemes(response: httpx.Response) -> list[str]:
    """The schemes the 401 offers, lower-case, in the device's order."""
    return [c.scheme for c in parse_challenges(response.headers.get_list("www-authenticate"))]


def strongest(challenges: list[Challenge]) -> Challenge | None:
    """The strongest challenge vms_desk can answer (first of equals), or None."""
    usable = [c for c in challenges if c.rank > 0]
    return max(usable, key=lambda c: c.rank) if usable else None


class AxisAuth(httpx.Auth):
    """httpx auth for one device: the first request goes out bare, later ones use the scheme chosen."""

    def __init__(self, user: str, password: str, *, https: bool, where: str) -> None:
        self._user = user
        self._password = password
        self._digest: httpx.DigestAuth | None = None
        self._basic = httpx.BasicAuth(user, password)
        self._https = https
        self._where = where
        self.scheme: str | None = None  # "Digest SHA-256", "Digest MD5" or "Basic" once answered
        self.offered: tuple[str, ...] = ()  # what the last challenge offered, e.g. ("Digest SHA-256", ...)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send (with the scheme learnt, if any); answer a 401 once with its strongest challenge."""
        if self.scheme == "Basic":
            yield from self._basic.auth_flow(request)
            return
        if self._digest is not None:
            flow = self._digest.auth_flow(request)
            response = yield next(flow)  # carries the Authorization of the last challenge
        else:
            response = yield request
        if response.status_code != 401:
            return
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        self.offered = tuple(c.label for c in challenges)
        chosen = strongest(challenges)
        if chosen is None:
            return  # nothing vms_desk can answer: the 401 stands and the funnel reports it
        if chosen.scheme == "basic":
            if not self._https:
                raise AuthFailed(
                    f"The Axis device at {self._where} accepts only Basic authentication, which would send "
                    "the password readable over plain HTTP. Use https:// in the server address, or enable "
                    "Digest authentication in the device's HTTP authentication policy.",
                    detail=f"WWW-Authenticate offers: {list(self.offered)}",
                )
            self._choose("Basic")
            yield from self._basic.auth_flow(request)
            return
        yield from self._answer_digest(request, chosen)

    def _answer_digest(
        self, request: httpx.Request, chosen: Challenge
    ) -> Generator[httpx.Request, httpx.Response, None]:
        digest = httpx.DigestAuth(self._user, self._password)
        alone = httpx.Response(401, headers=[("WWW-Authenticate", chosen.header())], request=request)
        flow = digest.auth_flow(request)
        next(flow)
        try:
            retry = flow.send(alone)
        except (httpx.ProtocolError, StopIteration) as exc:
            raise ProtocolError(
                f"The Axis device at {self._where} sent a Digest challenge vms_desk cannot read.",
                detail=f"WWW-Authenticate: {chosen.header()}",
            ) from exc
        self._digest = digest
        self._choose(chosen.label)
        answer = yield retry
        with contextlib.suppress(StopIteration):
            flow.send(answer)

    def _choose(self, label: str) -> None:
        if label != self.scheme:
            log.info("Axis device at %s: answering with %s (offered: %s)", self._where, label, self.offered)
        self.scheme = label


class AxisPolicy(AuthPolicy):
    """The Funnel's auth policy for one device: every attempt carries the AxisAuth (which answers the
    challenge itself); there is no session, so nothing to prepare and nothing to recover."""

    def __init__(self, auth: AxisAuth) -> None:
        self.auth = auth

    def credentials(self) -> Credentials:
        """The device's httpx.Auth, and the scheme it answered with so far."""
        return Credentials(auth=self.auth, scheme=self.auth.scheme or "none")
