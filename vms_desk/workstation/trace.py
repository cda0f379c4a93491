"""An HTTP trace for field reports: every exchange of one HTTP client as JSON lines, secrets redacted.

`TraceTransport` wraps the client's transport, so it sees exactly what went over the wire (after the
vendor client added its credentials, before httpx decoded anything). Redaction works in two passes:
by name (headers, query and form fields, JSON keys, XML elements and attributes whose names carry
secrets) and then by value: every value redacted by name, and the password given, is scrubbed
wherever else it appears (a session id echoed in a path, a token inside a text body).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

REDACTED = "[redacted]"
BODY_LIMIT = 1024 * 1024  # bodies above this (video) are noted by size only
MIN_SCRUB = 4  # shorter values are not scrubbed by value: "1" or "ok" would wipe ordinary text

# Names that carry secrets by themselves (lower case, matched as parts of a name) ...
_HINTS = ("pass", "pwd", "secret", "token", "session", "cookie", "credential", "nonce", "digest", "signature")
# ... and whole names too short or common to match as parts: exacqVision's `u`/`p`/`s` login fields.
_EXACT = frozenset({"p", "s", "sid", "key", "apikey", "api_key", "auth", "authorization", "hash", "response"})
_PUBLIC_HEADERS = frozenset({"www-authenticate"})  # a challenge is what the probe reports


def secret_name(name: str) -> bool:
    """True when a field or header of this name carries a secret."""
    lowered = name.strip().lower()
    return lowered in _EXACT or any(hint in lowered for hint in _HINTS)


@dataclass
class Redactor:
    """Redacts by name, remembering each value it removed so that `scrub` finds it anywhere else."""

    known: set[str] = field(default_factory=set)

    def remember(self, value: str) -> None:
        """Treat `value` as a secret wherever it appears (the password given, for one)."""
        if len(value) >= MIN_SCRUB:
            self.known.add(value)

    def header(self, name: str, value: str) -> str:
        """A header's value with its secret part gone; an auth scheme's name is kept."""
        lowered = name.lower()
        if lowered in _PUBLIC_HEADERS:
            return value
        if lowered in ("authorization", "proxy-authorization"):
            scheme, _, secret = value.partition(" ")
            self.remember(secret)
            self._remember_encoded(scheme, secret)
            return f"{scheme} {REDACTED}" if secret else REDACTED
        if lowered in ("cookie", "set-cookie"):
            return self._cookies(value, every=lowered == "cookie")
        if secret_name(lowered):
            self.remember(value)
            return REDACTED
        return value

    def _remember_encoded(self, scheme: str, secret: str) -> None:
        if scheme.lower() == "basic":
            try:
                _, _, password = base64.b64decode(secret).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return
            self.remember(password)

    def _cookies(self, value: str, *, every: bool) -> str:
        parts = []
        for index, part in enumerate(value.split(";")):
            name, sep, item = part.partition("=")
            # A Cookie header is all cookies; in Set-Cookie the first pair is the cookie itself and the
            # rest are attributes (Path, Expires, ...).
            if sep and (every or index == 0 or secret_name(name)):
                self.remember(item.strip())
                parts.append(f"{name}={REDACTED}")
            else:
                parts.append(part)
        return ";".join(parts)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Query or form fields with the secret ones redacted."""
        out = []
        for name, value in pairs:
            if secret_name(name):
                self.remember(value)
            out.append((name, REDACTED if secret_name(name) else value))
        return out

    def url(self, url: httpx.URL) -> str:
        """The URL with its secret query fields redacted (and no user:password part)."""
        query = urlencode(self.pairs(parse_qsl(url.query.decode("latin-1"), keep_blank_values=True)))
        return str(url.copy_with(query=query.encode("ascii") or None, username=None, password=None))

    def json_value(self, value: Any) -> Any:
        """A JSON document with the values of secret keys replaced (keeping their JSON type)."""
        if isinstance(value, dict):
            return {k: self._json_field(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json_value(v) for v in value]
        return value

    def _json_field(self, key: str, value: Any) -> Any:
        if not secret_name(key) or isinstance(value, (bool, dict, list)) or value is None:
            return self.json_value(value)
        self.remember(str(value))
        return 0 if isinstance(value, (int, float)) else REDACTED

    def text(self, text: str, content_type: str) -> str:
        """A text body redacted by its kind: JSON, a form, or XML/other text (by element/attribute)."""
        kind = content_type.split(";", maxsplit=1)[0].strip().lower()
        if "json" in kind or text.lstrip()[:1] in ("{", "["):
            try:
                return json.dumps(self.json_value(json.loads(text)), ensure_ascii=False)
            except ValueError:
                pass
        if kind == "application/x-www-form-urlencoded":
            return urlencode(self.pairs(parse_qsl(text, keep_blank_values=True)))
        text = _ELEMENT.sub(self._element, text)
        text = _ATTRIBUTE.sub(self._attribute, text)
        return _ASSIGNMENT.sub(self._assignment, text)

    def _element(self, match: re.Match[str]) -> str:
        if not secret_name(match["name"].split(":")[-1]):
            return match[0]
        self.remember(match["value"])
        return f"<{match['open']}>{REDACTED}</{match['name']}>"

    def _attribute(self, match: re.Match[str]) -> str:
        if not secret_name(match["name"]):
            return match[0]
        self.remember(match["value"])
        return f"{match['name']}={match['q']}{REDACTED}{match['q']}"

    def _assignment(self, match: re.Match[str]) -> str:
        if not secret_name(match["name"]):
            return match[0]
        self.remember(match["value"])
        return f"{match['name']}={REDACTED}"

    def scrub(self, value: Any) -> Any:
        """`value` (a JSON-ready structure) with every remembered secret replaced, longest first."""
        if isinstance(value, str):
            for secret in sorted(self.known, key=len, reverse=True):
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value


_ELEMENT = re.compile(r"<(?P<open>(?P<name>[\w:.-]+)(?:\s[^>]*)?)>(?P<value>[^<]*)</(?P=name)>")
_ATTRIBUTE = re.compile(r"(?P<name>[\w:.-]+)=(?P<q>[\"'])(?P<value>[^\"']*)(?P=q)")
_ASSIGNMENT = re.compile(r"(?<![\w\"'])(?P<name>[\w.-]+)=(?P<value>[^&\s\"'<>;,]+)")


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    return kind.startswith("text/") or any(k in kind for k in ("json", "xml", "x-www-form-urlencoded"))


def body_fields(redactor: Redactor, body: bytes, content_type: str) -> dict[str, Any]:
    """`body` as trace fields: redacted text, base64 for small binary bodies, else only its size."""
    if not body:
        return {}
    if _is_text(content_type) or not content_type:
        try:
            return {"body": redactor.text(body.decode("utf-8"), content_type)}
        except UnicodeDecodeError:
            pass
    if len(body) > BODY_LIMIT:
        return {"body_size": len(body)}
    return {"body_base64": base64.b64encode(body).decode("ascii")}


class TraceTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and keeps each exchange (redacted); `write` saves them as JSON lines."""

    def __init__(self, inner: httpx.AsyncBaseTransport, redactor: Redactor | None = None) -> None:
        self.inner = inner
        self.redactor = redactor or Redactor()
        self.exchanges: list[dict[str, Any]] = []
        self._started = time.monotonic()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request, read the whole reply (bodies in a trace are short), and note both."""
        r = self.redactor
        body = await request.aread()
        entry: dict[str, Any] = {
            "seq": len(self.exchanges) + 1,
            "at": round(time.monotonic() - self._started, 3),
            "request": {
                "method": request.method,
                "url": r.url(request.url),
                "headers": [[k, r.header(k, v)] for k, v in request.headers.multi_items()],
                **body_fields(r, body, request.headers.get("content-type", "")),
            },
        }
        self.exchanges.append(entry)
        try:
            response = await self.inner.handle_async_request(request)
            raw = b"".join([part async for part in response.aiter_raw()])
        except httpx.HTTPError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            raise
        await response.aclose()
        decoded = httpx.Response(200, headers=response.headers, content=raw).content
        headers = [
            [k, r.header(k, v)]
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        entry["response"] = {
            "status": response.status_code,
            "headers": headers,
            **body_fields(r, decoded, response.headers.get("content-type", "")),
        }
        # The network stream is left out: a traced download is read through httpx, not a worker thread.
        extensions = {k: v for k, v in response.extensions.items() if k != "network_stream"}
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),  # unread: a download streams it as from the wire
            extensions=extensions,
            request=request,
        )

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()

    def lines(self) -> list[dict[str, Any]]:
        """Every exchange so far, with every known secret scrubbed once more."""
        return [self.redactor.scrub(entry) for entry in self.exchanges]

    def write(self, path: Path) -> None:
        """Save the exchanges as JSON lines (one exchange a line)."""
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.lines())
        path.write_text(text, encoding="utf-8")


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The exchanges of a trace file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
