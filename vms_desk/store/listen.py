"""Hearing a team store's "job N changed" notifications (PostgreSQL LISTEN/NOTIFY) on a thread of its own.

psycopg's async mode needs a selector event loop, which Windows' default (proactor) loop is not, so
the listener is a daemon thread with its own connection blocking in `notifies(timeout=…)`: never
longer than POLL_SECONDS at a time, so `stop()` ends it promptly.

- Job ids arriving together (one transaction changing many jobs, a burst of progress) are handed to
  `on_changed` as one batch; the payload `everything` ("*", after a bulk import) becomes None.
- `on_state(error)` says the connection was lost (usually a StoreUnreachable; its text is the sentence
  for the user) and `on_state(None)` that it is back.
- After every (re)connection `on_changed(None)` asks for a re-read of everything: notifications sent
  while nobody listened are lost, and the first one closes the gap between a board's first read and
  its LISTEN.
- A lost connection is tried again after 0.5 s, then twice as long each time, at most MAX_BACKOFF.

The callbacks run on the listener's thread; a GUI hands them on to its own thread.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Protocol

import psycopg

from vms_desk.core.errors import StorageError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25  # the longest the thread blocks without looking at stop()
BATCH_SECONDS = 0.05  # after the first id of a burst, how long to gather the rest
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
_CHANNEL = re.compile(r"[a-z_][a-z0-9_]*")

ChangedCallback = Callable[[frozenset[str] | None], None]
StateCallback = Callable[[StorageError | None], None]


class Listenable(Protocol):
    """What the listener needs of a database (PostgresDatabase)."""

    where: str

    def listen_connection(self) -> psycopg.Connection[Any]:
        """A new autocommit connection of its own; StorageError when the server cannot be reached."""

    def error(self, exc: BaseException) -> StorageError:
        """A sentence for the user about a failure."""


class JobListener:
    """LISTEN on `channel` and report changed ids and the connection's state; see the module docstring."""

    def __init__(
        self,
        db: Listenable,
        channel: str,
        on_changed: ChangedCallback,
        on_state: StateCallback,
        *,
        max_backoff: float = MAX_BACKOFF,
        everything: str = "*",
    ) -> None:
        if not _CHANNEL.fullmatch(channel):
            raise ValueError(f"not a channel name: {channel!r}")
        self.db = db
        self.channel = channel
        self.on_changed = on_changed
        self.on_state = on_state
        self.max_backoff = max_backoff
        self.everything = everything  # the payload that means "many changed: re-read everything"
        self.lost: StorageError | None = None  # the current outage, if any
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (it connects there: a server that is down never blocks the caller)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="store-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end and wait for it, at most `timeout` seconds (a connection attempt to a
        silent server may hold it longer; it is a daemon and ends on its own)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    # --- the thread ---------------------------------------------------------------------------------
    def _run(self) -> None:
        delay = FIRST_BACKOFF
        while not self._stop.is_set():
            conn: psycopg.Connection[Any] | None = None
            try:
                conn = self.db.listen_connection()
                conn.execute(f"LISTEN {self.channel}")
                if self.lost is not None:
                    self.lost = None
                    self._tell(self.on_state, None)
                delay = FIRST_BACKOFF
                self._tell(self.on_changed, None)
                self._pump(conn)
            except (psycopg.Error, StorageError) as exc:
                if self._stop.is_set():
                    break
                # Unreachable, or refused (a wrong password, a dropped database): either way tried
                # again, more slowly each time, since someone may be fixing it.
                error = exc if isinstance(exc, StorageError) else self.db.error(exc)
                if self.lost is None:
                    self.lost = error
                    log.warning("the store listener lost %s: %s", self.db.where, error.detail)
                    self._tell(self.on_state, error)
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_backoff)
            finally:
                if conn is not None:
                    with suppress(psycopg.Error):
                        conn.close()

    def _pump(self, conn: psycopg.Connection[Any]) -> None:
        """Hand on batches of changed ids until stop() or the connection fails (raises)."""
        while not self._stop.is_set():
            ids = {n.payload for n in conn.notifies(timeout=POLL_SECONDS, stop_after=1)}
            if not ids:
                continue
            ids.update(n.payload for n in conn.notifies(timeout=BATCH_SECONDS))
            self._tell(self.on_changed, None if self.everything in ids else frozenset(ids))

    @staticmethod
    def _tell(callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except Exception:  # a subscriber's bug must not end the listening
            log.exception("a store listener callback failed")
