"""The board's reads, off the GUI thread: one reader thread runs the store calls in the order asked, and
their results are applied on the GUI thread.

One thread (not a pool) keeps the order: a page asked after a re-read is read after it, so what is
applied last is never older than what was applied before it. On PostgreSQL the thread holds its own
connection (the engine keeps one per thread), so a slow query never waits for the engine's writer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from vms_desk.core.errors import StorageError, VmsDeskError

log = logging.getLogger(__name__)
T = TypeVar("T")


class BoardReader(QObject):
    """Runs `work()` on the reader thread, then `then(result)` (or `failed(error)`) on the GUI thread."""

    _done = Signal(object)  # a closure to run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.pending = 0  # reads asked and not yet applied
        self._waiters: list[asyncio.Future[None]] = []
        # Queued: the closure is emitted on the reader thread and must run on this object's thread.
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        work: Callable[[], T],
        then: Callable[[T], None],
        failed: Callable[[StorageError], None],
    ) -> None:
        """Queue one read; exactly one of `then`/`failed` runs on the GUI thread afterwards."""
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="board-reader"
            )
        self.pending += 1

        def run() -> None:
            try:
                result = work()
            except VmsDeskError as exc:
                error = exc if isinstance(exc, StorageError) else StorageError(str(exc), detail=exc.detail)
                self._emit(lambda: failed(error))
            except Exception as exc:  # a bug: logged with its trace, the board says a sentence
                log.exception("a board read failed")
                detail = f"{type(exc).__name__}: {exc}"
                error = StorageError("The board could not read the job store; try Refresh.", detail=detail)
                self._emit(lambda: failed(error))
            else:
                self._emit(lambda: then(result))

        self._executor.submit(run)

    def _emit(self, closure: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the board was deleted while this read ran: nobody to tell
            self._done.emit(closure)

    def _deliver(self, closure: Callable[[], Any]) -> None:
        try:
            closure()
        finally:
            self.pending -= 1
            if not self.pending:
                waiters, self._waiters = self._waiters, []
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)

    async def wait(self) -> None:
        """Until every read asked (and any read those asked in turn) is applied (tests)."""
        while self.pending:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    def close(self, last: Callable[[], None] | None = None) -> None:
        """After the reads asked, run `last` on the reader thread (to close its connection); the thread
        then ends, and nobody waits for it here."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        if last is not None:
            executor.submit(last)
        executor.shutdown(wait=False, cancel_futures=False)
