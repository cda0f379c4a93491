"""A server that answers from a probe trace: each request gets the reply recorded for it, in order.

A trace from the field (`vms-desk probe --trace FILE`) becomes a regression test: start this on
loopback and point the client at it. A request is matched to the recorded ones by method, path and
its non-secret query fields, then by the query's field names only (times differ between runs), then
by method and path, then with every digit of the path ignored (times in Axxon One's paths); each
recorded reply is used once, and the last one repeats when they run out (a status polled more often
than it was recorded).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from vms_desk.sim.base import SimServer
from vms_desk.workstation.trace import secret_name

_HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "date", "server", "connection"}
)

Key = tuple[Any, ...]
_DIGITS = re.compile(r"\d+")


def _keys(method: str, path: str, query: str) -> list[Key]:
    pairs = parse_qsl(query, keep_blank_values=True)
    public = tuple(sorted((k, v) for k, v in pairs if not secret_name(k)))
    names = tuple(sorted(k for k, _ in pairs))
    # Times are often in the path too (Axxon One's archive URLs): the last levels ignore every digit.
    masked = _DIGITS.sub("#", path)
    return [
        (method, path, public),
        (method, path, names),
        (method, path),
        (method, masked, names),
        (method, masked),
    ]


class Replay:
    """The recorded exchanges, looked up by request."""

    def __init__(self, exchanges: Sequence[dict[str, Any]]) -> None:
        self.exchanges = [e for e in exchanges if "response" in e]
        self._by_key: list[dict[Key, list[int]]] = [{}, {}, {}, {}, {}]
        for index, exchange in enumerate(self.exchanges):
            url = urlsplit(exchange["request"]["url"])
            for level, key in enumerate(_keys(exchange["request"]["method"], url.path, url.query)):
                self._by_key[level].setdefault(key, []).append(index)
        self._used: set[int] = set()
        self.unmatched: list[str] = []  # requests no recorded exchange answers (the test shows them)

    def reply(self, method: str, path: str, query: str) -> dict[str, Any] | None:
        """The recorded reply for this request, or None."""
        keys = _keys(method, path, query)
        for level, key in enumerate(keys):
            for index in self._by_key[level].get(key, []):
                if index not in self._used:
                    self._used.add(index)
                    return dict(self.exchanges[index]["response"])
        for level, key in enumerate(keys):
            if found := self._by_key[level].get(key):
                return dict(self.exchanges[found[-1]]["response"])
        self.unmatched.append(f"{method} {path}?{query}")
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The ASGI app."""
        if scope["type"] != "http":
            return
        more = True
        while more:  # the request body is not compared: drain it
            more = (await receive()).get("more_body", False)
        reply = self.reply(scope["method"], scope["path"], scope["query_string"].decode("latin-1"))
        if reply is None:
            reply = {"status": 599, "headers": [["content-type", "text/plain"]], "body": "not in the trace"}
        body = _body(reply)
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in reply.get("headers", [])
            if k.lower() not in _HOP_HEADERS
        ]
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        await send({"type": "http.response.start", "status": reply["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _body(reply: dict[str, Any]) -> bytes:
    if "body" in reply:
        return str(reply["body"]).encode("utf-8")
    if "body_base64" in reply:
        return base64.b64decode(reply["body_base64"])
    return b"\0" * int(reply.get("body_size", 0))  # too large to keep: same size, not the same bytes


def serve_replay(exchanges: Sequence[dict[str, Any]], host: str = "127.0.0.1", port: int = 0) -> SimServer:
    """Start a replaying server on loopback (its `.app` is the Replay); stop it with `.stop()`."""
    return SimServer(Replay(exchanges), host, port).start()
