"""Background coroutines started from Qt slots: kept referenced, errors routed to the right place.

A typed VmsDeskError is the user's business (a sentence in the window); anything else is a bug and
goes to the loop's exception handler, i.e. the crash dialog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from vms_desk.core.errors import VmsDeskError

log = logging.getLogger(__name__)

ErrorSink = Callable[[VmsDeskError], None]


class TaskSet:
    """Holds strong references to running tasks (asyncio keeps only weak ones) and reports failures."""

    def __init__(self, on_error: ErrorSink) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run `coro` on the loop; its typed errors reach `on_error`, other errors the crash handler."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        if isinstance(error, VmsDeskError):
            log.info("%s: %s (%s)", task.get_name(), error, error.detail)
            self._on_error(error)
            return
        task.get_loop().call_exception_handler(
            {"message": f"background task {task.get_name()} failed", "exception": error, "task": task}
        )

    @property
    def pending(self) -> int:
        """How many tasks are still running."""
        return sum(1 for t in self._tasks if not t.done())

    async def wait(self) -> None:
        """Wait for every running task (tests, shutdown)."""
        while running := [t for t in self._tasks if not t.done()]:
            await asyncio.wait(running)

    def cancel_all(self) -> None:
        """Cancel every running task."""
        for task in self._tasks:
            task.cancel()
