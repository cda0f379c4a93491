"""The vendor documents' own examples, replayed through a real socket (issue 9, build item 2).

`replay` starts a tiny raw-socket HTTP server on loopback. It answers each request with the reply
bytes a test registered for its path (byte for byte: the status line and headers as the document
prints them), records the request exactly as it arrived (request line, headers, body), and answers
404 to anything else. No framework sits between the client and the document's bytes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Seen:
    """One request as the client put it on the wire."""

    line: str  # e.g. "POST /createarchivetask HTTP/1.1"
    headers: dict[str, str]
    body: bytes

    @property
    def method(self) -> str:
        """The request method."""
        return self.line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        """The raw request target (path and query, exactly as sent)."""
        return self.line.split(" ")[1]


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nNot Found"


@dataclass
class ReplayServer:
    """Serves registered reply bytes by (method, path) and records every request."""

    replies: dict[tuple[str, str], bytes] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The server's base URL."""
        host, port = self._sock.getsockname()
        return f"http://{host}:{port}"

    def reply(self, method: str, path: str, raw: bytes) -> None:
        """Answer `method path` (the path without its query) with these exact bytes."""
        self.replies[(method, path)] = raw

    def find(self, method: str, path: str) -> list[Seen]:
        """Recorded requests for `method path` (query ignored)."""
        return [s for s in self.seen if s.method == method and s.target.split("?")[0] == path]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
                length = int(headers.get("content-length", "0"))
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                seen = Seen(lines[0], headers, body[:length])
                self.seen.append(seen)
                raw = self.replies.get((seen.method, seen.target.split("?")[0]), NOT_FOUND)
                conn.sendall(raw)
                if b"connection: close" in raw.lower() or b"content-length" not in raw.lower():
                    return  # the document's reply closes, or has no length: the body ends with the socket

    @staticmethod
    def wire(status_line: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
        """A reply in wire form; `Content-Length` is added unless the headers close the connection."""
        lines = [status_line, *(f"{k}: {v}" for k, v in headers)]
        closes = any(k.lower() == "connection" and v.lower() == "close" for k, v in headers)
        if not closes and not any(k.lower() == "content-length" for k, _ in headers):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def stop(self) -> None:
        """Stop accepting; the listening socket closes."""
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A replay server, stopped after the test."""
    server = ReplayServer()
    yield server
    server.stop()
