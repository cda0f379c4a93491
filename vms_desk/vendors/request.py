"""One request style for every vendor: `Request[R]` objects sent by one `Funnel.call(request) -> R`.

A `Request[R]` says what to send (method, path, query, body) and how to read the reply (`decode`).
`Funnel.call` (vendors._http) sends it under the server's `AuthPolicy`, turns transport faults and
HTTP statuses into core errors, and returns `request.decode(reply)`. The steps, in order:

1. `policy.prepare(funnel)`: log in or renew a token when due (cheap when nothing is due);
2. the request goes out with `policy.credentials()` (headers, an httpx.Auth, extra query pairs);
3. a reply the policy calls refused (`policy.refused(reply)`, by default any status >= 400; a vendor
   whose dead session answers 200 with an error body says so here) goes to
   `policy.recover(funnel, used, reply)`: True means "I logged in again (or changed scheme): repeat
   once". The funnel repeats at most once, so a policy cannot loop;
4. a status >= 400 not in `request.accepts` raises `request.refusal(reply)` or the generic error for
   the status; either way the message is our sentence followed by the server's words and code;
5. otherwise `request.decode(reply)`.

The contract every subclass keeps (tests/unit/vendors/test_request_contract.py checks it for all):
- `decode` returns R or raises a VmsDeskError (a body it cannot read is a ProtocolError); never a
  bare ValueError, KeyError or ValidationError;
- `example()` builds an instance from harmless values, so the contract test can call `decode`;
- `reads_body = False` marks a decode that ignores the body (a DELETE, a file): garbage is then fine.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Self

import httpx
from pydantic import BaseModel, ValidationError

from vms_desk.core.errors import ProtocolError, ServerError

Params = list[tuple[str, str]]
WORDS_LIMIT = 300  # the server's own words are kept, but a whole HTML error page is not


@dataclass(frozen=True)
class Reply:
    """A finished reply as every `decode` sees it: status, headers, the body, and what was asked."""

    status: int
    content: bytes = b""
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    method: str = "GET"
    url: str = ""

    @classmethod
    def of(cls, response: httpx.Response) -> Reply:
        """The Reply of an httpx response whose body was read."""
        return cls(
            status=response.status_code,
            content=response.content,
            headers=response.headers,
            method=response.request.method,
            url=str(response.request.url),
        )

    @property
    def path(self) -> str:
        """The request's path (for messages and logs)."""
        return httpx.URL(self.url).path if self.url else ""

    @property
    def text(self) -> str:
        """The body as text (UTF-8, bad bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self, label: str) -> Any:
        """The body as JSON, or ProtocolError naming the request."""
        try:
            return json.loads(self.content)
        except ValueError as exc:  # also UnicodeDecodeError
            raise ProtocolError(
                f"{label} sent a reply that is not JSON ({self.method} {self.path}).",
                detail=f"{self.status}: {self.content[:300]!r}",
            ) from exc


def decode_model[M: BaseModel](model: type[M], reply: Reply, label: str) -> M:
    """The JSON body validated as `model`, or ProtocolError naming the request and the field."""
    try:
        return model.model_validate_json(reply.content)
    except ValidationError as exc:
        raise ProtocolError(
            with_words(f"{label} sent a reply vms_desk cannot read ({reply.method} {reply.path}).", reply),
            detail=f"{model.__name__}: {exc.errors(include_url=False)[:3]!r} in {reply.content[:300]!r}",
        ) from exc


_REASON_KEYS = ("error", "message", "reason", "description", "ErrorMessage", "errorMessage", "msg")


def server_words(reply: Reply, limit: int = WORDS_LIMIT) -> str:
    """What the server said about a refusal: a JSON reason field, else its text, shortened."""
    text = reply.text.strip()
    try:
        body = json.loads(reply.content) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in _REASON_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip() and value.strip().lower() != "null":
                text = value.strip()
                break
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def said(text: str, code: str) -> str:
    """The tail every failure message ends with: the server's words and its code, verbatim."""
    where = f" ({code})" if code else ""
    if text:
        return f' The server said: "{text}"{where}.'
    return f" The server gave no reason{where}."


def with_words(sentence: str, reply: Reply) -> str:
    """Our sentence, then the server's words and HTTP status (build item 4)."""
    return sentence.rstrip() + said(server_words(reply), f"HTTP {reply.status}")


_TAILS = (" The server said: ", " The server gave no reason")


def tail_of(error: Exception) -> str:
    """The server's-words tail of an error's message (see `said`), to carry over to a new sentence."""
    text = str(error)
    found = [text.rfind(mark) for mark in _TAILS]
    start = max(found)
    return text[start:] if start >= 0 else ""


@dataclass(frozen=True)
class Credentials:
    """How one attempt is authenticated: extra headers, an httpx.Auth, extra query pairs."""

    headers: Mapping[str, str] = field(default_factory=dict)
    auth: httpx.Auth | None = None
    params: tuple[tuple[str, str], ...] = ()
    scheme: str = "none"  # for messages and `probe`: which scheme this attempt used


class AuthPolicy:
    """How a server is logged in to; the default sends nothing and never retries.

    Subclasses override the three hooks. `recover` is where a re-login (or a change of scheme)
    happens; the funnel repeats the request at most once after it returns True.
    """

    async def prepare(self, funnel: FunnelLike) -> None:
        """Log in or renew before a request, when due."""

    def credentials(self) -> Credentials:
        """The credentials for the next attempt."""
        return Credentials()

    def refused(self, reply: Reply) -> bool:
        """Whether `reply` may stand for a refused login (then `recover` decides); default: >= 400."""
        return reply.status >= 400

    async def recover(self, funnel: FunnelLike, used: Credentials, reply: Reply) -> bool:
        """React to a refused reply sent with `used`; True to repeat the request once."""
        return False


NO_AUTH = AuthPolicy()


class FunnelLike(Protocol):
    """What an AuthPolicy may use of the funnel (it logs in with requests of its own)."""

    label: str

    async def call[T](self, request: Request[T]) -> T:
        """Send a request (see vendors._http.Funnel.call)."""
        ...


class Request[R](ABC):
    """One vendor endpoint call: what to send, and `decode` for what comes back."""

    method: ClassVar[str] = "GET"
    # Non-2xx statuses that `decode` reads itself instead of the funnel raising.
    accepts: ClassVar[frozenset[int]] = frozenset()
    # False for the login request itself: it is sent without the policy's credentials or recovery.
    authenticated: ClassVar[bool] = True
    # False when `decode` ignores the body (the contract test then only asks for no untyped error).
    reads_body: ClassVar[bool] = True

    @property
    @abstractmethod
    def path(self) -> str:
        """The path, relative to the funnel's base URL."""

    def params(self) -> Params:
        """Query parameters."""
        return []

    def json_body(self) -> Any:
        """A JSON body, or None."""
        return None

    def form(self) -> dict[str, str] | None:
        """A form body, or None."""
        return None

    def content(self) -> bytes | None:
        """A raw body (e.g. XML), or None."""
        return None

    def headers(self) -> dict[str, str]:
        """Extra request headers."""
        return {}

    def refusal(self, reply: Reply) -> ServerError | None:
        """A request-specific error for a status >= 400, or None for the generic mapping."""
        return None

    @abstractmethod
    def decode(self, reply: Reply) -> R:
        """The typed result, or a VmsDeskError for a reply that cannot be read."""

    @classmethod
    @abstractmethod
    def example(cls) -> Self:
        """An instance from harmless values (the contract test decodes bad bodies with it)."""
