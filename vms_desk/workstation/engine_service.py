"""The engine process's side: a Workstation's job engine, driven by the window over this process's pipes.

The window (workstation.engine_process) starts `vms-desk engine-service` below normal priority and
speaks jobs.wire on its stdin and stdout. Downloads, hashing, verification and the job store's writes
then use this process's CPU and interpreter lock, never the window's. When the window goes (closed, or
killed: stdin ends), the engine stops as it would in the window: running jobs become interrupted and
resume at the next start. Unless the window asked it to `detach` first (the user chose to keep the
exports running): then it runs on by itself until its jobs end or a new window asks for them
(workstation.background).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO

from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig
from vms_desk.jobs import wire
from vms_desk.jobs.auditing import record_patiently
from vms_desk.jobs.wire import Message
from vms_desk.workstation import background
from vms_desk.workstation.root import Workstation

log = logging.getLogger(__name__)

NICE = 10  # POSIX: this much nicer than the window (Windows: the window starts it BELOW_NORMAL)


def lower_priority() -> None:
    """Run this whole process below normal priority, where the system allows it (POSIX; on Windows the
    window asks for it when it starts the process).

    On Linux the process also takes the SCHED_IDLE policy, which every thread it starts inherits. Nice
    alone only shares the CPU out in proportion: a window thread that wakes for a paint still waited
    4-8 ms behind a running download thread, and much longer when the host took one of the VM's CPUs.
    Under SCHED_IDLE any normal thread that wakes takes the CPU at once, as a normal thread does from a
    BELOW_NORMAL one on Windows, and the downloads still get every cycle nothing else wants.
    """
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICE)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class Service:
    """Answers the window's requests with `workstation`'s engine, and tells it every change."""

    def __init__(self, workstation: Workstation, requests: BinaryIO, replies: BinaryIO) -> None:
        self.workstation = workstation
        self.engine = workstation.engine
        self._requests = requests
        self._replies = replies
        self._lock = threading.Lock()  # progress comes from download threads, the rest from the loop
        self._gone = False  # the window stopped reading: nothing more is sent
        self._tasks: set[asyncio.Task[None]] = set()
        self._detached = False  # the user chose to keep the exports running once the window is gone

    def send(self, message: Message) -> None:
        """One line to the window (from any thread)."""
        line = wire.dumps(message)
        with self._lock:
            if self._gone:
                return
            try:
                self._replies.write(line)
                self._replies.flush()
            except (OSError, ValueError):
                self._gone = True  # the window is gone; stdin's end stops the engine

    async def serve(self) -> int:
        """Start the engine, answer until the window says stop or goes away, stop the engine."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[bytes | None] = asyncio.Queue()

        def read() -> None:
            try:
                for line in self._requests:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError):
                pass
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="engine-requests", daemon=True).start()
        engine = self.engine
        engine.add_listener(lambda record: self.send({"event": "record", "record": wire.record_out(record)}))
        engine.add_progress_listener(lambda value: self.send(wire.progress_out(value)))
        engine.writer.add_health_listener(
            lambda error: self.send(
                {"event": "health", "error": None if error is None else wire.error_out(error)}
            )
        )
        engine.start()
        self.send({"event": "ready", "owner": engine.owner, "pid": os.getpid()})
        stop_id: object = None
        ended: dict[str, Any] | None = None  # how a detached engine ended, for the audit log
        while True:
            line = await lines.get()
            if line is None:
                if self._detached:
                    ended = await self._run_on()
                else:
                    log.info("the window is gone: stopping the engine (running jobs become interrupted)")
                break
            try:
                message = wire.loads(line)
            except ValueError as exc:
                log.error("engine service: unreadable request %r", exc)
                continue
            if message.get("op") == "stop":
                stop_id = message.get("id")
                break
            task = loop.create_task(self._answer(message), name=f"engine-op:{message.get('op')}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await engine.stop()
        if ended is not None:  # after the stop: its jobs are interrupted before the new window is told
            await self._audit(**ended)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.workstation.aclose()
        background.withdraw(self.workstation.home, os.getpid())
        if stop_id is not None:
            self.send({"reply": stop_id, "ok": None})
        return 0

    async def _run_on(self) -> dict[str, Any]:
        """Without a window: run until every job has ended, or until a new window asks for them (then
        the engine stops as at any close, and the new window's engine resumes them); the audit entry."""
        home, pid = self.workstation.home, os.getpid()
        log.info("the window is gone: running on until the exports end")
        while self.engine.active:
            if background.handover_requested(home, pid):
                log.info("a new window asked for the running exports: handing them over")
                return {"outcome": "handed over", "jobs": self.engine.active}
            await asyncio.sleep(background.LOOK_SECONDS)
        return {"outcome": "finished"}

    async def _audit(self, outcome: str, **fields: Any) -> None:
        """An `engine` entry in the audit log (the jobs' own entries are written by the engine), off the
        loop: it is fsynced, and may wait for a busy log."""
        audit = self.workstation.audit
        home = self.workstation.home
        await asyncio.to_thread(
            record_patiently, audit, "engine", outcome, keep_in=home, pid=os.getpid(), **fields
        )

    async def _detach(self, message: Message) -> Any:
        """The user closes the window and keeps the exports running: say so in the run folder."""
        jobs = self.engine.active
        background.announce(self.workstation.home, os.getpid(), self.engine.owner, jobs)
        self._detached = True
        await self._audit("kept running", jobs=jobs, by=message.get("operator"))
        return jobs

    async def _answer(self, message: Message) -> None:
        request_id = message.get("id")
        op = str(message.get("op"))
        handler = self._handlers().get(op)
        try:
            if handler is None:
                raise InputError(f"The engine does not know the request {op!r}.")
            self._remember(message.get("passwords") or [])
            result = await handler(message)
        except VmsDeskError as exc:
            self.send({"reply": request_id, "error": wire.error_out(exc)})
        except asyncio.CancelledError:
            self.send({"reply": request_id, "error": wire.error_out(wire.EngineGone("The engine stopped."))})
            raise
        except Exception as exc:  # a bug: the window still gets its answer, the log the details
            log.exception("engine request %s failed", op)
            error = VmsDeskError(f"The export engine failed ({type(exc).__name__}).", detail=str(exc))
            self.send({"reply": request_id, "error": wire.error_out(error)})
        else:
            self.send({"reply": request_id, "ok": result})
            if op == "detach":
                with self._lock:
                    self._gone = True  # the window is closing: it reads nothing more

    def _remember(self, pairs: list[Any]) -> None:
        """Passwords the window knows for this run only (a server added without saving, `--password`)."""
        for server, password in pairs:
            self.workstation.passwords.remember(ServerConfig.model_validate(server), password)

    def _handlers(self) -> dict[str, Callable[[Message], Awaitable[Any]]]:
        return {
            "submit": self._submit,
            "cancel": self._cancel,
            "retry": self._retry,
            "discard": self._discard,
            "resume": self._resume,
            "detach": self._detach,
        }

    async def _submit(self, message: Message) -> Any:
        record = await self.engine.submit(
            ServerConfig.model_validate(message["server"]),
            ExportRequest.model_validate(message["request"]),
            camera_name=message.get("camera_name"),
            out_dir=Path(message["out_dir"]),
            case=message.get("case"),
            operator=message.get("operator"),
            secrets=message.get("secrets") or {},
            secret_names=frozenset(message.get("secret_names") or ()),
        )
        return wire.record_out(record)

    async def _cancel(self, message: Message) -> Any:
        return wire.record_out(await self.engine.cancel(str(message["job"])))

    async def _retry(self, message: Message) -> Any:
        return wire.record_out(await self.engine.retry(str(message["job"]), message.get("secrets") or {}))

    async def _discard(self, message: Message) -> Any:
        await self.engine.discard(str(message["job"]))
        return None

    async def _resume(self, message: Message) -> Any:
        only = message.get("only")
        resumed = await self.engine.resume_interrupted(None if only is None else set(only))
        return [wire.record_out(record) for record in resumed]


def serve(home: Path) -> int:
    """Run the service on this process's stdin and stdout (`vms-desk engine-service --home H`).

    The protocol keeps stdout to itself: whatever else writes to file descriptor 1 (a library's print)
    goes to stderr instead, which the window sends to the log folder."""
    lower_priority()
    # Ctrl+C in the window's terminal, or the terminal closing (SIGHUP), reaches this process too: the
    # window decides when it stops, and exports kept running outlive the terminal.
    for name in ("SIGINT", "SIGHUP"):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    try:
        workstation = Workstation.open(home)
    except VmsDeskError as exc:
        replies.write(wire.dumps({"event": "failed", "error": wire.error_out(exc)}))
        replies.flush()
        return 1
    return asyncio.run(Service(workstation, requests, replies).serve())
