"""The one thread that writes the job store, so that no commit ever waits for a disk on the event loop.

A thin layer over any store with JobStore's methods (SQLite today, PostgreSQL for a team): it adds no
SQL of its own, only where and when the store's own calls run.
- `await call(store.move, ...)`: state transitions, files and events run on the writer thread and are
  committed before the awaiting step goes on (durable, in order, off the loop).
- `post(store.add_event, ...)`: an ordered write nobody waits for (a retry note from a sync callback);
  any later `call` runs after it, so it is committed before the job's next awaited step.
- `progress(job_id, **changes)`: bytes and percentages, coalesced: the latest value of each field
  wins and every job's pending progress goes out in one commit, at most once per `interval`.
Reads go through `call` as well, so that they see every write queued before them.

Health listeners hear when a call finds the store unreachable (a team server down) and when a later
call gets through again: the window's one line about the team store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from vms_desk.core.errors import StorageError, VmsDeskError
from vms_desk.store.database import StoreUnreachable

log = logging.getLogger(__name__)
T = TypeVar("T")

PROGRESS_INTERVAL = 1.0  # seconds between progress commits, for all jobs together
HealthListener = Callable[[StorageError | None], None]  # the outage, or None: reachable again


class ProgressStore(Protocol):
    """What the writer needs of a store beyond the calls it is handed: a batch of field updates."""

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Apply each job's changes (no state change) in one transaction."""


class StoreWriter:
    """Runs a store's writes on one thread; see the module docstring for the three kinds of write."""

    def __init__(self, store: ProgressStore, *, interval: float = PROGRESS_INTERVAL) -> None:
        self.store = store
        self.interval = interval
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: dict[str, dict[str, Any]] = {}
        self._flush_at: asyncio.TimerHandle | None = None
        self._last_flush = -float("inf")
        self._health: list[HealthListener] = []
        self._unreachable = False  # touched on the writer thread only

    def add_health_listener(self, callback: HealthListener) -> Callable[[], None]:
        """Call `callback(StoreUnreachable)` when a write finds the store unreachable and
        `callback(None)` when one gets through after that (on the writer thread); returns a function
        that unsubscribes."""
        self._health.append(callback)
        return lambda: self._health.remove(callback)

    # --- ordered writes and reads -----------------------------------------------------------------------
    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)` on the writer thread after everything queued before; its result."""
        self._take_progress(args)
        return await asyncio.wrap_future(self._submit(fn, *args, **kwargs))

    def post(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue `fn(*args, **kwargs)` without waiting; a failure is logged (the caller has moved on)."""
        self._take_progress(args)
        self._submit(fn, *args, **kwargs).add_done_callback(_log_failure)

    def _submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> concurrent.futures.Future[T]:
        if self._executor is None:  # started on first use, again after close()
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="job-store"
            )
        return self._executor.submit(self._watched, fn, *args, **kwargs)

    def _watched(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the writer thread and tell the health listeners what it found of the store."""
        try:
            result = fn(*args, **kwargs)
        except StoreUnreachable as exc:
            self._unreachable = True
            self._tell(exc)
            raise
        if self._unreachable and fn is not _nothing:
            self._unreachable = False
            self._tell(None)
        return result

    def _tell(self, value: StorageError | None) -> None:
        for callback in list(self._health):
            try:
                callback(value)
            except Exception:  # a listener's bug must not fail the write
                log.exception("a store health listener failed")

    def _take_progress(self, args: tuple[Any, ...]) -> None:
        """A write about a job goes after that job's pending progress: queue the progress first, so a
        stale byte count can never land after (and overwrite) the write that follows it."""
        job_id = args[0] if args and isinstance(args[0], str) else None
        if job_id is not None and job_id in self._pending:
            self._submit(self.store.update_many, {job_id: self._pending.pop(job_id)}).add_done_callback(
                _log_failure
            )

    # --- coalesced progress -----------------------------------------------------------------------------
    def progress(self, job_id: str, **changes: Any) -> None:
        """Note a job's progress fields; they reach the store within `interval`, merged with the rest."""
        self._pending.setdefault(job_id, {}).update(changes)
        if self._flush_at is None:
            delay = max(0.0, self._last_flush + self.interval - time.monotonic())
            self._flush_at = asyncio.get_running_loop().call_later(delay, self._flush_progress)

    def _flush_progress(self) -> None:
        self._flush_at = None
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        self._last_flush = time.monotonic()
        self._submit(self.store.update_many, batch).add_done_callback(_log_failure)

    # --- end ----------------------------------------------------------------------------------------------
    async def drain(self) -> None:
        """Write the pending progress now and wait until every queued write is committed."""
        if self._flush_at is not None:
            self._flush_at.cancel()
        self._flush_at = None
        if self._pending:
            batch, self._pending = self._pending, {}
            self._submit(self.store.update_many, batch).add_done_callback(_log_failure)
        # The executor runs in order: once a no-op queued last has run, everything before it has.
        await asyncio.wrap_future(self._submit(_nothing))

    async def close(self) -> None:
        """Write everything pending, then end the thread (a later write starts a new one)."""
        await self.drain()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


def _nothing() -> None:
    """The no-op queued last by drain() (it proves nothing about the store)."""


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    exc = future.exception()
    if isinstance(exc, VmsDeskError):
        log.warning("a job store write failed: %s | %s", exc, exc.detail)
    elif exc is not None:
        log.error("a job store write failed", exc_info=exc)
