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
from vms_desk.vendors.request import NO_AUTH, AuthPolicy, Credentials, Reply, Request, with_words
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


def reply_error(reply: Reply, label: str) -> ServerError:
    """The error a status >= 400 stands for: our sentence, then the server's words and HTTP code."""
    code = reply.status
    where = _describe(reply.url) if reply.url else ""
    who = label if not where or where in label else f"{label} at {where}"
    detail = f"{reply.method} {reply.path} -> {code}: {reply.content[:300]!r}"
    if code in (401, 403):
        return AuthFailed(
            with_words(f"{who} refused the user name or password. Check them.", reply), detail=detail
        )
    if code == 404:
        return NotFound(with_words(f"{who} does not know what was asked for.", reply), detail=detail)
    if code in (408, 429) or code >= 500:
        sentence = (
            f"{who} had a problem; it may be busy: try again later, and check the server if it keeps "
            "happening."
        )
        return ServerBusy(with_words(sentence, reply), status=code, detail=detail)
    return ProtocolError(with_words(f"{who} refused the request.", reply), detail=detail)


class Funnel:
    """Sends requests for one server; maps every failure to a core error with `raise ... from`.

    `call(request)` is the one request style (vendors.request): it applies the server's AuthPolicy,
    repeats a refused request at most once after the policy logged in again, and decodes the reply.
    """

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, label: str, auth: AuthPolicy | None = None
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.auth = auth or NO_AUTH

    async def call[R](self, request: Request[R]) -> R:
        """Send `request` under the auth policy and return `request.decode(reply)` (see vendors.request)."""
        reply = await self.exchange(request)
        if reply.status >= 400 and reply.status not in request.accepts:
            raise request.refusal(reply) or reply_error(reply, self.label)
        return request.decode(reply)

    async def exchange(self, request: Request[object]) -> Reply:
        """The reply to `request` with the policy's credentials and its single recovery; no status check."""
        policy = self.auth if request.authenticated else NO_AUTH
        await policy.prepare(self)
        used = policy.credentials()
        reply = await self._once(request, used)
        if policy.refused(reply) and await policy.recover(self, used, reply):
            reply = await self._once(request, policy.credentials())
        return reply

    async def _once(self, request: Request[object], credentials: Credentials) -> Reply:
        response = await self.send(
            request.method,
            request.path,
            params=[*request.params(), *credentials.params],
            headers={**request.headers(), **credentials.headers},
            json=request.json_body(),
            content=request.content(),
            data=request.form(),
            auth=credentials.auth,
            check=False,
        )
        return Reply.of(response)

    @asynccontextmanager
    async def download(self, request: Request[object], offset: int = 0) -> AsyncIterator[BodyStream]:
        """A streamed body of `request` from `offset`, with the same auth policy and single recovery."""
        policy = self.auth if request.authenticated else NO_AUTH
        await policy.prepare(self)
        for attempt in (1, 2):
            credentials = policy.credentials()
            headers = {**request.headers(), **credentials.headers}
            params = [*request.params(), *credentials.params]
            async with self.stream(
                request.method,
                request.path,
                params=params,
                headers=headers,
                auth=credentials.auth,
                offset=offset,
                check=False,
            ) as body:
                status = body.response.status_code
                if status < 400:
                    yield body
                    return
                data = await _head_of(body.response)
                reply = Reply(status, data, body.response.headers, request.method, str(body.response.url))
            if attempt == 1 and await policy.recover(self, credentials, reply):
                continue
            raise request.refusal(reply) or reply_error(reply, self.label)

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
        try:
            request = self.http.build_request(
                method,
                self.url(path),
                params=_query(params),
                headers=headers,
                json=json,
                content=content,
                data=data,
            )
        except (UnicodeEncodeError, httpx.InvalidURL) as exc:
            # Parts of a request come from earlier replies (tokens, ids, links); one that cannot be
            # put on the wire is the server's unexpected answer, not a crash.
            raise ProtocolError(
                f"{self.label} sent something vms_desk cannot send back to it (not plain text); "
                "check the server, or report it with `vms-desk probe --trace`.",
                detail=repr(exc),
            ) from exc
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
        check: bool = True,
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
            if check and (error := status_error(response, self.label)) is not None:
                raise error
            start, total = _range_of(response, offset) if response.status_code < 400 else (0, None)
            body = BodyStream(response, start, total)
            yield body
        finally:
            if body is not None:
                await body.release()
            await response.aclose()


async def _head_of(response: httpx.Response, limit: int = 4096) -> bytes:
    """The first bytes of an error reply's body (enough for the server's words), never the whole."""
    data = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            data.extend(chunk)
            if len(data) >= limit:
                break
    except httpx.HTTPError:
        pass  # the status already says what went wrong; the words are a bonus
    return bytes(data[:limit])


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
