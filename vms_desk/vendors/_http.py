"""The single request funnel: httpx errors and HTTP statuses become vms_desk.core.errors.

Every vendor client sends through a Funnel, so transport faults read the same for every vendor and
no reply is read into memory beyond a sane limit.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from vms_desk.core.errors import (
    AuthFailed,
    ConnectionFailed,
    NotFound,
    ProtocolError,
    ServerBusy,
    ServerError,
    TlsError,
)
from vms_desk.vendors._bulk import BULK, DirectBody, SocketStream
from vms_desk.vendors.tls import pin_error

# httpx accepts a mapping or a list of pairs; its own alias is private.
QueryParams = Mapping[str, str] | Sequence[tuple[str, str]] | None

# Control replies (JSON, XML, text) are small; anything larger is a broken or hostile server.
MAX_REPLY_BYTES = 8 * 1024 * 1024
# A control reply that trickles in forever (a byte a second never trips the read timeout) must end.
MAX_REPLY_SECONDS = 120.0


def _query(params: QueryParams) -> httpx.QueryParams:
    if params is None:
        return httpx.QueryParams()
    pairs = params.items() if isinstance(params, Mapping) else params
    return httpx.QueryParams([(str(k), str(v)) for k, v in pairs])


class BodyStream:
    """A streamed response body for the jobs layer (implements core.protocol.Download)."""

    def __init__(self, response: httpx.Response, offset: int, total: int | None) -> None:
        self.response = response
        self._offset = offset
        self._total = total
        self._direct: DirectBody | None = None

    @property
    def offset(self) -> int:
        """Where the body starts in the file."""
        return self._offset

    @property
    def total(self) -> int | None:
        """Whole file size when known."""
        return self._total

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; a dropped connection becomes ConnectionFailed."""
        try:
            async for chunk in self.response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(self.response.url)) from exc

    async def direct(self) -> DirectBody | None:
        """The whole body as a DirectBody for a worker thread, or None where only `chunks` can read it.

        Only a Content-Length body on a bulk plain-HTTP connection (see vendors._bulk) qualifies. Use
        one or the other, before reading anything; the connection is not reused afterwards.
        """
        stream = self.response.extensions.get("network_stream")
        length = self.response.headers.get("content-length", "")
        if (
            not isinstance(stream, SocketStream)
            or not stream.at_body  # h11 read past the head (or the body was read already)
            or self.response.status_code not in (200, 206)  # the statuses of a file's body
            or self.response.request.method != "GET"
            or self.response.is_stream_consumed
            or "transfer-encoding" in self.response.headers
            or not length.isdigit()
        ):
            return None
        url = str(self.response.url)
        timeout = self.response.request.extensions.get("timeout", {}).get("read")
        try:
            self._direct = DirectBody(stream, int(length), timeout, lambda exc: _transport_error(exc, url))
        except OSError:  # no descriptor to spare: httpx reads it then
            return None
        return self._direct

    async def release(self) -> None:
        """Let go of what `direct` opened (the Funnel does this before closing the response)."""
        direct, self._direct = self._direct, None
        if direct is not None:
            direct.close()


def _describe(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _transport_error(exc: httpx.HTTPError, url: str) -> ServerError:
    where = _describe(url)
    if (pinned := pin_error(exc)) is not None:
        return pinned
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return TlsError(
            f"The server at {where} presented a certificate that is not trusted. Check the address, "
            "or trust this server's certificate explicitly in its settings.",
            detail=repr(exc),
        )
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return ConnectionFailed(
            f"Cannot reach the server at {where}: check the address and that the server is running.",
            detail=repr(exc),
        )
    if isinstance(exc, httpx.TimeoutException):
        return ServerBusy(
            f"The server at {where} did not answer in time; it may be busy. Try again later.",
            detail=repr(exc),
        )
    return ConnectionFailed(
        f"The connection to {where} was lost ({type(exc).__name__}); the transfer will be retried.",
        detail=repr(exc),
    )


def status_error(response: httpx.Response, label: str) -> ServerError | None:
    """The error an HTTP status stands for, or None for 2xx/3xx."""
    code = response.status_code
    where = _describe(str(response.url))
    if code < 400:
        return None
    detail = f"{response.request.method} {response.url.path} -> {code}"
    # A server without a name is labelled with its URL already: say the address once.
    who = label if where in label else f"{label} at {where}"
    if code in (401, 403):
        return AuthFailed(
            f"{who} refused the user name or password (HTTP {code}). Check them.",
            detail=detail,
        )
    if code == 404:
        return NotFound(f"{who} does not know what was asked for (HTTP 404).", detail=detail)
    if code in (408, 429) or code >= 500:
        return ServerBusy(
            f"{who} had a problem (HTTP {code}); it may be busy: try again later, and check the server if it "
            "keeps happening.",
            status=code,
            detail=detail,
        )
    return ProtocolError(f"{who} refused the request (HTTP {code}).", detail=detail)


class Funnel:
    """Sends requests for one server; maps every failure to a core error with `raise ... from`."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, label: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.label = label

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server (paths from servers are never trusted for hosts)."""
        return self.base_url + "/" + path.lstrip("/")

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        check: bool = True,
        max_bytes: int = MAX_REPLY_BYTES,
        max_seconds: float = MAX_REPLY_SECONDS,
    ) -> httpx.Response:
        """Send a request and read its body, bounded in size and time; with `check`, non-2xx raises."""
        request = self.http.build_request(
            method,
            self.url(path),
            params=_query(params),
            headers=headers,
            json=json,
            content=content,
            data=data,
        )
        try:
            async with asyncio.timeout(max_seconds):
                response = await self._read(request, auth, max_bytes)
        except TimeoutError as exc:
            raise ServerBusy(
                f"{self.label} took more than {max_seconds:g} s to answer; it may be overloaded. "
                "Try again later.",
                detail=f"{method} {request.url.path}: no complete reply after {max_seconds} s",
            ) from exc
        if check and (error := status_error(response, self.label)) is not None:
            raise error
        return response

    async def _read(self, request: httpx.Request, auth: httpx.Auth | None, max_bytes: int) -> httpx.Response:
        try:
            response = await self.http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(request.url)) from exc
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ProtocolError(
                        f"{self.label} sent a reply larger than {max_bytes // (1024 * 1024)} MiB; "
                        "it was cut off.",
                        detail=f"{request.method} {request.url.path}: reply over {max_bytes} bytes",
                    )
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(request.url)) from exc
        finally:
            await response.aclose()
        response._content = bytes(body)
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        offset: int = 0,
    ) -> AsyncIterator[BodyStream]:
        """A streamed body from `offset` (asks Range; honours it only on 206 with a matching start)."""
        all_headers = dict(headers or {})
        if offset:
            all_headers["Range"] = f"bytes={offset}-"
        # BULK: on plain HTTP the body may then be read by a worker thread (BodyStream.direct).
        request = self.http.build_request(
            method, self.url(path), params=_query(params), headers=all_headers, extensions={BULK: True}
        )
        try:
            response = await self.http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(request.url)) from exc
        body: BodyStream | None = None
        try:
            if (error := status_error(response, self.label)) is not None:
                raise error
            start, total = _range_of(response, offset)
            body = BodyStream(response, start, total)
            yield body
        finally:
            if body is not None:
                await body.release()
            await response.aclose()


def _range_of(response: httpx.Response, asked: int) -> tuple[int, int | None]:
    """(start, total) of a body: a 206 with Content-Range, else the whole file from 0."""
    length = response.headers.get("Content-Length")
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        try:
            unit, _, rest = content_range.partition(" ")
            span, _, size = rest.partition("/")
            first = int(span.split("-")[0])
            total = None if size.strip() == "*" else int(size)
        except ValueError as exc:
            raise ProtocolError(
                "The server answered a resumed download with an unreadable Content-Range.",
                detail=f"Content-Range: {content_range!r}",
            ) from exc
        if unit != "bytes" or first != asked:
            raise ProtocolError(
                "The server resumed the download at the wrong position.",
                detail=f"asked {asked}, got Content-Range {content_range!r}",
            )
        return first, total
    total = int(length) if length and length.isdigit() else None
    return 0, total
