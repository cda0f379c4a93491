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

A team store that is unreachable (a PostgreSQL restart, a network cut) does not fail the job: the write
is tried again, waiting up to OUTAGE_MAX_DELAY between tries, and everything queued behind it waits
its turn, in order. Downloads go on to disk meanwhile; what they record reaches the store when it is
back. A SQLite store that other processes keep busy longer than its busy_timeout (StoreBusy) is
waited out the same way. Health listeners hear the outage (a StoreUnreachable with its sentence) and
its end (None): the window's one line about the team store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from vms_desk.core.errors import StorageError, VmsDeskError
from vms_desk.core.jobstate import TransitionError
from vms_desk.store.database import StoreBusy, StoreUnreachable

log = logging.getLogger(__name__)
T = TypeVar("T")

PROGRESS_INTERVAL = 1.0  # seconds between progress commits, for all jobs together
OUTAGE_FIRST_DELAY = 0.5  # seconds before the first retry of a write the store could not take
OUTAGE_MAX_DELAY = 5.0
CLOSE_GRACE = 10.0  # at close, how long writes wait for an unreachable store before giving up
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
        self._outage: StorageError | None = None
        self._give_up_at: float | None = None  # set by close(): stop waiting for the store then

    # --- store status -----------------------------------------------------------------------------------
    def add_health_listener(self, callback: HealthListener) -> Callable[[], None]:
        """Call `callback(StoreUnreachable)` when a write finds the store unreachable and `callback(None)`
        when one gets through after that (on the writer thread: a window hands it to its own thread);
        returns a function that unsubscribes."""
        self._health.append(callback)
        return lambda: self._health.remove(callback)

    @property
    def outage(self) -> StorageError | None:
        """What the store answered while it is unreachable, or None while it answers."""
        return self._outage

    def _set_outage(self, outage: StorageError | None) -> None:
        if (outage is None) == (self._outage is None):
            return  # said already: listeners hear each change once
        self._outage = outage
        if outage is None:
            log.info("the job store answers again; queued writes go on")
        else:
            log.warning("%s | %s", outage, outage.detail)
        for callback in list(self._health):
            try:
                callback(outage)
            except Exception:  # a listener's bug must not fail the write
                log.exception("a store health listener failed")

    def _until_stored(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        """Run one write, trying again while the store is unreachable (see the module docstring)."""
        delay, retried = OUTAGE_FIRST_DELAY, False
        while True:
            try:
                result = fn(*args, **kwargs)
            except StoreUnreachable as exc:
                wait = delay
                if self._give_up_at is not None:
                    wait = min(wait, self._give_up_at - time.monotonic())
                    if wait <= 0:
                        raise
                then = "it is free" if isinstance(exc, StoreBusy) else "it is back"
                self._set_outage(
                    type(exc)(f"{exc} Exports go on and are recorded when {then}.", detail=exc.detail)
                )
                retried = True
                time.sleep(wait)
                delay = min(delay * 2, OUTAGE_MAX_DELAY)
                continue
            except (TransitionError, StorageError) as exc:
                # The try before the outage may have committed, only its answer was lost: a move that
                # finds the job already in its target state, or an add that finds the job, is done.
                done = self._already_done(fn, args, kwargs) if retried else None
                if done is None:
                    raise
                log.info("a write the outage interrupted had been committed: %s", exc)
                result = done
            self._set_outage(None)
            return result

    def _already_done(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        name = getattr(fn, "__name__", "")
        get = getattr(self.store, "get", None)
        if get is None or not args:
            return None
        if name == "move" and len(args) >= 2:
            record = get(args[0])
            return record if record.state is args[1] else None
        if name == "add":
            return get(args[0].id)
        return None

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
        return self._executor.submit(self._until_stored, fn, args, kwargs)

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
        await asyncio.wrap_future(self._submit(lambda: None))

    async def close(self) -> None:
        """Write everything pending, then end the thread (a later write starts a new one). With the
        store unreachable, writes wait CLOSE_GRACE more, then give up: the jobs' files are safe on
        disk, and the next start finds the jobs unfinished and resumes them."""
        self._give_up_at = time.monotonic() + CLOSE_GRACE
        try:
            await self.drain()
        finally:
            self._give_up_at = None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    exc = future.exception()
    if isinstance(exc, VmsDeskError):
        log.warning("a job store write failed: %s | %s", exc, exc.detail)
    elif exc is not None:
        log.error("a job store write failed", exc_info=exc)
