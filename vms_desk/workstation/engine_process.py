"""The window's job engine in a process of its own, below normal priority (settings' `engine_process`).

On a busy two-core machine eight downloads receiving, hashing and writing took CPU and the interpreter
lock from the window's event loop, which then stuttered. In a process of its own the engine competes
only for the CPU, at a lower priority than the window. `EngineProcess` offers the window what it used of
`Engine` (submit, cancel, retry, discard, resume, listeners, the job list), carried over the process's
pipes (jobs.wire); the store and the audit log are shared files (or the team store), which both
processes already write safely. A command (`vms-desk export`, ...) runs its engine in its own process,
as before: it has no window to keep smooth.

When the user closes the window and keeps the exports running, `detach` leaves the engine process on
its own; the next window's `start` takes its jobs over first (workstation.background).

If the engine process ends unexpectedly, its jobs are interrupted (its owner id names a dead process,
so the store sees it at once), a new one is started and resumes them; after RESTART_LIMIT ends within
RESTART_WINDOW seconds it is left stopped and every request says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import IO, Any

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig
from vms_desk.jobs import wire
from vms_desk.jobs.engine import owns_job, workstation_jobs
from vms_desk.jobs.listeners import Listeners, ProgressListener, RecordListener
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.jobs.wire import EngineGone, Message
from vms_desk.jobs.writer import HealthListener, StoreWriter
from vms_desk.paths import HOME_ENV
from vms_desk.workstation import background

log = logging.getLogger(__name__)

STOP_SECONDS = 60.0  # the engine interrupts its jobs and logs out; then it is ended by force
RESTART_LIMIT = 3
RESTART_WINDOW = 60.0
_BELOW_NORMAL_PRIORITY_CLASS = 0x00004000
_CREATE_NO_WINDOW = 0x08000000

PasswordLookup = Callable[[ServerConfig], "str | None"]  # workstation.root.Passwords


def service_command(home: Path) -> list[str]:
    """How to start the engine process: the frozen app's console program (on Windows the windowed one
    may have no standard streams; CREATE_NO_WINDOW keeps the console one out of sight), or this Python."""
    if getattr(sys, "frozen", False):
        program = Path(sys.executable)
        console = program.with_name("vms-desk" + program.suffix)
        return [str(console if console.is_file() else program), "engine-service", "--home", str(home)]
    return [sys.executable, "-m", "vms_desk", "engine-service", "--home", str(home)]


class EngineProcess:
    """The engine as the window sees it, running in a child process (see the module docstring)."""

    def __init__(
        self,
        home: Path,
        store: JobStore,
        passwords: PasswordLookup,
        *,
        workstation: str,
        command: list[str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.home = home
        self.store = store
        self.workstation = workstation
        # The window's own store calls (board, cases, evidence events): never on its event loop.
        self.writer = StoreWriter(store)
        self.owner = ""  # the engine process's owner id, once it said it is ready
        self._passwords = passwords
        self._command = command or service_command(home)
        self._log_file = log_file
        self._listeners = Listeners(interval=0.0)  # the engine process throttles already
        self._health: list[HealthListener] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._write_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Future[None] | None = None
        self._begun: asyncio.Task[None] | None = None  # taking over detached engines, then the spawn
        self._ended: list[float] = []  # when the engine process ended unexpectedly
        self._running = False
        self._stopping = False
        self._failure: VmsDeskError | None = None
        self._detached = False
        self.took_over = 0  # engines a closed window left running that handed their jobs over to this one

    # --- listeners ----------------------------------------------------------------------------------
    def add_listener(self, callback: RecordListener) -> Callable[[], None]:
        """Call `callback(record)` on every job change (on the event loop's thread)."""
        return self._listeners.add_record(callback)

    def add_progress_listener(self, callback: ProgressListener) -> Callable[[], None]:
        """Call `callback(JobProgress)` (from a reader thread, 4 times a second per job at most)."""
        return self._listeners.add_progress(callback)

    def add_health_listener(self, callback: HealthListener) -> Callable[[], None]:
        """Hear when the store is unreachable (None: it answers again), from either process's writes."""
        self._health.append(callback)
        local = self.writer.add_health_listener(callback)

        def unsubscribe() -> None:
            local()
            self._health.remove(callback)

        return unsubscribe

    # --- the process ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine process (returns at once; requests wait until it is ready)."""
        if self._running:
            return
        self._loop = asyncio.get_running_loop()
        self._running, self._stopping = True, False
        self._ready = self._loop.create_future()
        self._begun = self._loop.create_task(self._begin(), name="engine-begin")

    async def _begin(self) -> None:
        """Take over the exports a closed window left running (they become interrupted, and
        resume_interrupted resumes them here), then start this window's engine process."""
        try:
            taken = await background.take_over(self.home)
        except Exception:  # the run folder unreadable: those engines finish on their own
            log.exception("could not take over the exports left running")
        else:
            for engine in taken:
                log.info("took over the exports of engine process %d", engine.pid)
            self.took_over = len(taken)
        self._spawn()

    async def _begin_done(self) -> None:
        if self._begun is not None:
            await asyncio.gather(asyncio.shield(self._begun), return_exceptions=True)

    def _spawn(self) -> None:
        assert self._loop is not None
        if self._ready is None or self._ready.done():
            self._ready = self._loop.create_future()
        self._failure = None
        flags = 0
        if sys.platform == "win32":
            flags = _BELOW_NORMAL_PRIORITY_CLASS | _CREATE_NO_WINDOW
        errors: IO[bytes] | int = subprocess.DEVNULL
        if self._log_file is not None:
            with contextlib.suppress(OSError):
                self._log_file.parent.mkdir(parents=True, exist_ok=True)
                errors = self._log_file.open("ab")
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own program, no shell
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                creationflags=flags,
                close_fds=True,
                env={**os.environ, HOME_ENV: str(self.home)},
            )
        except OSError as exc:
            self._process = None
            self._fail(EngineGone(f"The export engine could not be started: {exc}.", detail=repr(exc)))
            return
        finally:
            if not isinstance(errors, int):
                errors.close()
        log.info("engine process %d started", self._process.pid)
        reader = threading.Thread(
            target=self._read, args=(self._process,), name="engine-replies", daemon=True
        )
        reader.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        """The reader thread: every line the engine process writes, until it ends."""
        assert process.stdout is not None
        assert self._loop is not None
        loop = self._loop
        try:
            for line in process.stdout:
                try:
                    message = wire.loads(line)
                except ValueError:
                    log.error("engine process wrote something else: %r", line[:200])
                    continue
                if message.get("event") == "progress":
                    self._listeners.progress(wire.progress_in(message))
                else:
                    try:
                        loop.call_soon_threadsafe(self._take, message)
                    except RuntimeError:  # the loop is closed: the window is gone
                        break
        except (OSError, ValueError):
            pass
        finally:
            code = process.wait()
            with contextlib.suppress(RuntimeError):  # the loop is closed: the window is gone
                loop.call_soon_threadsafe(self._on_exit, process, code)

    def _take(self, message: Message) -> None:
        """A message on the event loop's thread."""
        if "reply" in message:
            future = self._waiting.pop(int(message["reply"]), None)
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(wire.error_in(message["error"]))
            else:
                future.set_result(message.get("ok"))
            return
        event = message.get("event")
        if event == "record":
            self._listeners.record(wire.record_in(message["record"]))
        elif event == "health":
            error = wire.storage_error_in(message.get("error"))
            for callback in list(self._health):
                try:
                    callback(error)
                except Exception:
                    log.exception("a store health listener failed")
        elif event == "ready":
            self.owner = str(message.get("owner", ""))
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
        elif event == "failed":
            self._fail(wire.error_in(message.get("error") or {}))

    def _fail(self, error: VmsDeskError) -> None:
        """Every waiting request, and those to come until a restart, get `error`."""
        self._failure = error
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()  # retrieved: nobody may be waiting for it
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)

    def _on_exit(self, process: subprocess.Popen[bytes], code: int) -> None:
        if process is not self._process:
            return
        log.info("engine process %d ended with %d", process.pid, code)
        if self._failure is None:
            self._fail(EngineGone("The export engine stopped.", detail=f"exit status {code}"))
        if self._stopping or not self._running:
            return
        assert self._loop is not None
        self._loop.create_task(self._recover(code), name="engine-recover")

    async def _recover(self, code: int) -> None:
        """The engine process ended on its own: show its jobs interrupted, start another, resume."""
        log.warning("the engine process ended unexpectedly (exit status %s)", code)
        for record in await self.writer.call(self.store.mark_interrupted):
            self._listeners.record(record)
        now = time.monotonic()
        self._ended = [t for t in self._ended if now - t < RESTART_WINDOW] + [now]
        if len(self._ended) > RESTART_LIMIT:
            self._failure = EngineGone(
                f"The export engine stopped {len(self._ended)} times in a minute; exports cannot run. "
                "Restart vms_desk; the log folder says why.",
                detail=f"exit status {code}",
            )
            return
        self._spawn()
        with contextlib.suppress(VmsDeskError):
            await self.resume_interrupted()

    async def _request(self, op: str, **fields: Any) -> Any:
        if not self._running:
            raise EngineGone("The export engine is not running.")
        assert self._ready is not None
        with contextlib.suppress(VmsDeskError):
            await asyncio.shield(self._ready)
        process = self._process
        if self._failure is not None or process is None or process.stdin is None:
            raise self._failure or EngineGone("The export engine is not running.")
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        line = wire.dumps({"id": request_id, "op": op, **fields})
        try:
            await asyncio.to_thread(self._write, process.stdin, line)
        except OSError as exc:
            self._waiting.pop(request_id, None)
            raise EngineGone("The export engine stopped.", detail=repr(exc)) from exc
        return await future

    def _write(self, pipe: IO[bytes], line: bytes) -> None:
        with self._write_lock:
            pipe.write(line)
            pipe.flush()

    async def _passwords_for(self, servers: Collection[ServerConfig]) -> list[list[Any]]:
        """[server, password] pairs the engine process cannot find itself (keyring lookups off the loop)."""
        unique = {server.model_dump_json(): server for server in servers}

        def look_up() -> list[list[Any]]:
            pairs = []
            for server in unique.values():
                password = self._passwords(server)
                if password is not None:
                    pairs.append([server.model_dump(mode="json"), password])
            return pairs

        return await asyncio.to_thread(look_up)

    # --- what the window asks ---------------------------------------------------------------------------
    async def submit(
        self,
        server: ServerConfig,
        request: ExportRequest,
        *,
        camera_name: str | None,
        out_dir: Path,
        case: str | None,
        operator: str | None,
        secrets: Mapping[str, str] | None = None,
        secret_names: frozenset[str] = frozenset(),
    ) -> JobRecord:
        """Queue one export (see Engine.submit)."""
        reply = await self._request(
            "submit",
            server=server.model_dump(mode="json"),
            request=request.model_dump(mode="json"),
            camera_name=camera_name,
            out_dir=str(out_dir if out_dir.is_absolute() else Path.cwd() / out_dir),
            case=case,
            operator=operator,
            secrets=dict(secrets or {}),
            secret_names=sorted(secret_names),
            passwords=await self._passwords_for([server]),
        )
        return wire.record_in(reply)

    async def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job (see Engine.cancel)."""
        return wire.record_in(await self._request("cancel", job=job_id))

    async def retry(self, job_id: str, secrets: Mapping[str, str] | None = None) -> JobRecord:
        """Queue a failed or cancelled job again (see Engine.retry)."""
        record = await self.writer.call(self.store.get, job_id)
        reply = await self._request(
            "retry",
            job=job_id,
            secrets=dict(secrets or {}),
            passwords=await self._passwords_for([record.server]),
        )
        return wire.record_in(reply)

    async def discard(self, job_id: str) -> None:
        """Forget a finished job (see Engine.discard)."""
        await self._request("discard", job=job_id)

    async def resume_interrupted(self, only: Collection[str] | None = None) -> list[JobRecord]:
        """Resume this workstation's interrupted jobs (see Engine.resume_interrupted), those a closed
        window left running included."""
        await self._begin_done()
        waiting = await self.writer.call(self.store.jobs, [JobState.INTERRUPTED])
        servers = [record.server for record in waiting if only is None or record.id in only]
        reply = await self._request(
            "resume",
            only=None if only is None else sorted(only),
            passwords=await self._passwords_for(servers),
        )
        return [wire.record_in(item) for item in reply]

    async def detach(self, operator: str | None = None) -> int:
        """Leave the engine process running its exports after the window closes (it ends when they
        have, or when the next window takes them over); returns how many it has."""
        jobs = int(await self._request("detach", operator=operator))
        process = self._process
        self._running, self._detached = False, True  # its end is no longer this window's to recover from
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        log.info("engine process %s runs on with %d exports", self.pid, jobs)
        await self.writer.close()
        return jobs

    async def stop(self) -> None:
        """Stop the engine process (its running jobs become interrupted, resumable), then the writer."""
        if self._begun is not None and not self._begun.done():
            self._begun.cancel()  # mid-handover: those jobs resume at the next start
            await asyncio.gather(self._begun, return_exceptions=True)
            if self._ready is not None and not self._ready.done():
                self._fail(EngineGone("The export engine stopped."))
        process = self._process
        if self._running and process is not None and process.poll() is None:
            self._stopping = True
            try:
                await asyncio.wait_for(self._request("stop"), STOP_SECONDS)
            except (VmsDeskError, TimeoutError, OSError) as exc:
                log.warning("the engine process did not stop by itself: %s", exc)
            with contextlib.suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), STOP_SECONDS)
            except TimeoutError:
                log.error("the engine process did not end; killing it")
                process.kill()
                await asyncio.to_thread(process.wait)
        self._running, self._stopping = False, False
        if process is not None:
            # Anything it left running (killed) shows as interrupted at once.
            with contextlib.suppress(VmsDeskError):
                for record in await self.writer.call(self.store.mark_interrupted):
                    self._listeners.record(record)
        await self.writer.close()

    # --- the store, read here ---------------------------------------------------------------------------
    def jobs(self) -> list[JobRecord]:
        """The jobs of this workstation's job list (see Engine.jobs)."""
        return workstation_jobs(self.store, self.workstation)

    def owns(self, record: JobRecord) -> bool:
        """True when this workstation may resume or retry the job (see Engine.owns)."""
        return owns_job(self.store, self.workstation, record)

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._running

    @property
    def pid(self) -> int | None:
        """The engine process's id while it runs (tests, diagnostics)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None
