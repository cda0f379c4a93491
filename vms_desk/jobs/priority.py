"""Download worker threads run below normal priority, so that a core is free for the GUI thread first.

Each download receives, hashes, writes and flushes in threads of its own; at normal priority eight of
them outnumber the GUI thread on a two-core machine and its event loop stalls. Lowered, they still take
every cycle the GUI leaves. Only a process with a GUI asks for it (`yield_to_gui()`): a CLI export on a
busy machine would otherwise lose its share of the CPU to everything else running there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

NICE_STEP = 5  # POSIX: this much nicer than the process (Windows: THREAD_PRIORITY_BELOW_NORMAL)
_THREAD_PRIORITY_BELOW_NORMAL = -1
_yielding = threading.Event()  # set: worker threads started from now on lower their priority


def yielding() -> bool:
    """True once a GUI asked the download threads to yield to it."""
    return _yielding.is_set()


def yield_to_gui(on: bool = True) -> None:
    """Make the download threads started from now on run below normal priority (the GUI calls it)."""
    if on:
        _yielding.set()
    else:
        _yielding.clear()


def lower_this_thread() -> None:
    """Lower the calling thread's scheduling priority; silently does nothing where it cannot."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        if sys.platform == "win32":
            import ctypes

            kernel32 = ctypes.windll.kernel32
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(), _THREAD_PRIORITY_BELOW_NORMAL)
        elif sys.platform.startswith("linux"):
            # On Linux a thread is a task of its own: PRIO_PROCESS with its id renices only this thread
            # (elsewhere the same call would renice the whole process, so it is left alone).
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICE_STEP))


def worker_thread(target: Callable[..., Any], *, name: str, args: tuple[Any, ...] = ()) -> threading.Thread:
    """A daemon thread (not started) that runs `target(*args)`, below normal priority once a GUI asked."""
    lower = _yielding.is_set()

    def run(*run_args: Any) -> None:
        if lower:
            lower_this_thread()
        target(*run_args)

    return threading.Thread(target=run, args=args, name=name, daemon=True)


def in_worker_thread[T](work: Callable[..., T], *args: object, name: str) -> asyncio.Future[T]:
    """Run `work(*args)` on a worker thread of its own; the future settles with its result or error.

    Not the loop's executor: a download would hold one of its few workers for minutes, and the
    executor's threads run at normal priority, so a verification re-hashing 400 MiB there competed
    with the GUI thread for the CPU (threads it starts, like the read-ahead, inherit the lowering).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: tuple[T] | BaseException) -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome[0])

    def run() -> None:
        outcome: tuple[T] | BaseException
        try:
            outcome = (work(*args),)
        except BaseException as exc:  # handed to the awaiting task
            outcome = exc
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody awaits the result
            loop.call_soon_threadsafe(settle, outcome)

    worker_thread(run, name=name).start()
    return future
