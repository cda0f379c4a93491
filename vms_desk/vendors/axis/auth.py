"""Axis authentication as VAPIX documents it: ask without credentials, then answer the challenge.

The device names its scheme in `WWW-Authenticate`. Digest is answered with httpx's RFC 7616 DigestAuth
(which also retries once with a fresh nonce when the device says `stale=true`). Basic sends the
password readable, so it is used only over HTTPS; over plain HTTP it is refused with an explanation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import httpx

from vms_desk.core.errors import AuthFailed, ProtocolError


def offered_schemes(response: httpx.Response) -> list[str]:
    """The schemes the 401 offers, lower-case, in the device's order."""
    return [h.strip().split(" ", 1)[0].lower() for h in response.headers.get_list("www-authenticate")]


class AxisAuth(httpx.Auth):
    """httpx auth for one device: the first request goes out bare, later ones use the scheme learnt."""

    def __init__(self, user: str, password: str, *, https: bool, where: str) -> None:
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)
        self._https = https
        self._where = where
        self.scheme: str | None = None  # "digest" or "basic" once the device has challenged

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send, and answer a 401 challenge once with the scheme it names."""
        if self.scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        if self.scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        schemes = offered_schemes(response)
        if "digest" in schemes:
            self.scheme = "digest"
            # Drive httpx's Digest flow with the 401 already in hand instead of sending twice.
            flow = self._digest.auth_flow(request)
            next(flow)
            try:
                retry = flow.send(response)
            except httpx.ProtocolError as exc:
                raise ProtocolError(
                    f"The Axis device at {self._where} sent a Digest challenge vms_desk cannot read.",
                    detail=f"WWW-Authenticate: {response.headers.get_list('www-authenticate')}",
                ) from exc
            answer = yield retry
            with contextlib.suppress(StopIteration):
                flow.send(answer)
            return
        if "basic" in schemes:
            if not self._https:
                raise AuthFailed(
                    f"The Axis device at {self._where} accepts only Basic authentication, which would send "
                    "the password readable over plain HTTP. Use https:// in the server address, or enable "
                    "Digest authentication in the device's HTTP authentication policy.",
                    detail=f"WWW-Authenticate schemes: {schemes}",
                )
            self.scheme = "basic"
            yield from self._basic.auth_flow(request)
        # Any other scheme: the 401 stands and the funnel reports the refusal.
