"""The job engine: a persistent queue of export jobs, serial per server, parallel across servers.

Qt-free and asyncio-only: the GUI runs it on the qasync loop (`start()`/`stop()`) and subscribes with
`add_listener`/`add_progress_listener`; the CLI submits and calls `run_until_idle()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig
from vms_desk.core.options import JsonValue, redact
from vms_desk.evidence.audit import AuditTrail
from vms_desk.jobs.auditing import AuditRecorder
from vms_desk.jobs.backoff import PollPolicy
from vms_desk.jobs.clients import ClientPool
from vms_desk.jobs.codec import utc_now
from vms_desk.jobs.context import RunContext
from vms_desk.jobs.credentials import looks_secret, server_key
from vms_desk.jobs.listeners import Listeners, ProgressListener, RecordListener
from vms_desk.jobs.owner import new_owner
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.runner import JobRun
from vms_desk.jobs.store import JobStore
from vms_desk.jobs.writer import HealthListener, StoreWriter

log = logging.getLogger(__name__)

# A job whose owner has not renewed its lease for this long is orphaned. On the owner's own machine a
# dead owner is seen at once (jobs.owner); the lease is what other machines sharing the store go by.
LEASE_SECONDS = 30.0
HEARTBEAT_SECONDS = 10.0
# How often a running engine looks for jobs whose owner died (here: seen at once; elsewhere: the lease
# ran out) and marks them interrupted, so every board shows them so within the lease plus this.
SWEEP_SECONDS = 2.0


def owns_job(store: JobStore, workstation: str, record: JobRecord) -> bool:
    """True when `workstation` may resume or retry the job: it queued it, or it was reassigned there. A
    job that names no workstation (from before they were recorded) belongs to whoever finds it on a
    workstation's own store; on a team store it waits for a supervisor to assign it."""
    if not record.workstation:
        return store.db.engine == "sqlite"
    return record.workstation == workstation


def workstation_jobs(store: JobStore, workstation: str) -> list[JobRecord]:
    """The jobs of `workstation`'s job list, oldest first: every job in its own store; on a team store
    only its own (the supervisor board shows everyone's, a page at a time)."""
    if store.db.engine == "sqlite":
        return store.jobs()
    return store.jobs(workstation=workstation)


class JobBusy(VmsDeskError):
    """The job is running (here or in another vms_desk process) and cannot be changed now."""


class Engine:
    """Submits, runs, cancels and retries export jobs; every change is stored and announced."""

    def __init__(
        self,
        store: JobStore,
        clients: ClientPool,
        audit: AuditTrail | None,
        *,
        per_server: int = 1,
        overall: int = 4,
        poll: PollPolicy | None = None,
        stall_limits: Mapping[str, float] | None = None,
        workstation: str | None = None,
        audit_spool: Path | None = None,
    ) -> None:
        """Built by the Workstation (the one composition root), which always passes the audit log;
        tests of the engine alone may pass None. The retry pace is the client pool's. `workstation`
        names this computer on a shared store (default: the host name): only it resumes its jobs."""
        self.store = store
        self.workstation = workstation or socket.gethostname()
        # Every store call of the running jobs (and of the async actions below) goes through this one
        # thread: the event loop, the GUI's, never waits for a commit.
        self.writer = StoreWriter(store)
        # Names this process so that, once it is gone (even killed), the next start sees it at once.
        self.owner = new_owner()
        self.clients = clients
        self.retry_policy = clients.policy
        self.poll_policy = poll or PollPolicy()
        self.stall_limits = dict(stall_limits or {})
        self._per_server = per_server
        self._overall = asyncio.Semaphore(overall)
        self._server_slots: dict[str, asyncio.Semaphore] = {}
        self._listeners = Listeners()
        self._secrets: dict[str, dict[str, JsonValue]] = {}  # in memory only, per job
        self._pending: list[str] = []
        self._tasks: dict[str, asyncio.Task[JobRecord | None]] = {}
        self._running = False
        self._stopping = False
        self._heartbeat: asyncio.Task[None] | None = None
        if audit is not None:
            # `audit_spool`: the home, where entries the log cannot take in time wait for the next start
            self.add_listener(AuditRecorder(audit, audit_spool))

    # --- listeners ----------------------------------------------------------------------------------
    def add_listener(self, callback: RecordListener) -> Callable[[], None]:
        """Call `callback(record)` on every state or record change; returns a function that unsubscribes."""
        return self._listeners.add_record(callback)

    def add_progress_listener(self, callback: ProgressListener) -> Callable[[], None]:
        """Call `callback(JobProgress)` (about 10 times a second per job at most)."""
        return self._listeners.add_progress(callback)

    # --- queue ----------------------------------------------------------------------------------------
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
        """Queue one export. Secret options (declared `secret_names`, `secrets`, or named like a
        password) are kept in memory for this run only; the store gets `***`. With no `camera_name`
        the run looks it up (and refuses an id the server does not know)."""
        live: dict[str, JsonValue] = dict(secrets or {})
        hidden = set(secret_names) | set(live) | {k for k in request.options if looks_secret(k)}
        for name in hidden & set(request.options):
            live.setdefault(name, request.options[name])  # any JSON value: `--option password=1234`
        stored = request.model_copy(update={"options": redact(request.options, frozenset(hidden))})
        now = utc_now()
        record = JobRecord(
            id=uuid.uuid4().hex,
            created=now,
            updated=now,
            state=JobState.QUEUED,
            server=server,
            camera_id=request.camera_id,
            camera_name=camera_name or "",
            request=stored,
            out_dir=out_dir if out_dir.is_absolute() else Path.cwd() / out_dir,
            case=case,
            operator=operator,
            owner=self.owner,
            workstation=self.workstation,
        )
        record = await self.writer.call(
            self.store.add,
            record,
            f"Queued by {operator or 'an unnamed operator'}.",
            lease_seconds=LEASE_SECONDS,
        )
        self._secrets[record.id] = live
        self._listeners.record(record)
        self._schedule(record.id)
        return record

    def _schedule(self, job_id: str) -> None:
        if not self._running:
            self._pending.append(job_id)
            return
        task = asyncio.get_running_loop().create_task(self._run_job(job_id), name=f"job:{job_id[:8]}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    def _slot(self, server: ServerConfig) -> asyncio.Semaphore:
        return self._server_slots.setdefault(server_key(server), asyncio.Semaphore(self._per_server))

    async def _run_job(self, job_id: str) -> JobRecord | None:
        record = await self.writer.call(self.store.get, job_id)
        try:
            # The server slot first, so a job waiting for its server does not hold an overall slot.
            async with self._slot(record.server), self._overall:
                ctx = RunContext(
                    store=self.store,
                    writer=self.writer,
                    clients=self.clients,
                    retry=self.retry_policy,
                    poll=self.poll_policy,
                    on_record=self._listeners.record,
                    on_progress=self._listeners.progress,
                    shutting_down=lambda: self._stopping,
                    owner=self.owner,
                    stall_limits=self.stall_limits,
                )
                # Read again: the job may have been cancelled while it waited for a slot.
                run = JobRun(
                    ctx, await self.writer.call(self.store.get, job_id), self._secrets.get(job_id, {})
                )
                if run.record.state.finished:
                    return run.record  # cancelled while it waited for a slot
                return await run.run()
        except asyncio.CancelledError:
            if self._stopping:
                await self._interrupt_waiting(job_id)
                raise
            return await self._cancel_waiting(job_id)
        finally:
            if not self._stopping:
                self._secrets.pop(job_id, None)

    async def _interrupt_waiting(self, job_id: str) -> None:
        call, store = self.writer.call, self.store
        with contextlib.suppress(VmsDeskError, LookupError):
            record = await call(store.get, job_id)
            if record.state is JobState.QUEUED:
                self._listeners.record(
                    await call(
                        store.move,
                        job_id,
                        JobState.INTERRUPTED,
                        "vms_desk was closed before the job started; it resumes at the next start.",
                    )
                )
                await call(store.release, job_id, self.owner)

    async def _cancel_waiting(self, job_id: str) -> JobRecord | None:
        record = await self.writer.call(self.store.get, job_id)
        if record.state in (JobState.QUEUED, JobState.INTERRUPTED):
            record = await self.writer.call(
                self.store.move, job_id, JobState.CANCELLED, "Cancelled by the user before it started."
            )
            self._listeners.record(record)
        return record

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start working (the GUI's long-running mode): queued jobs begin, new ones begin at once."""
        if self._running:
            return
        self._running, self._stopping = True, False
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="jobs:heartbeat")
        pending, self._pending = self._pending, []
        for job_id in pending:
            self._schedule(job_id)

    async def stop(self) -> None:
        """Stop working: running jobs become `interrupted` (resumable), clients log out."""
        if not self._running:
            await self.writer.close()
            await self.clients.aclose()
            return
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        await self.writer.close()
        await self.clients.aclose()
        self._running, self._stopping = False, False

    async def run_until_idle(self) -> None:
        """Run every submitted job to its end (starting the engine if needed, stopping it after)."""
        started_here = not self._running
        self.start()
        while self._tasks:
            await asyncio.wait(list(self._tasks.values()))
        if started_here:
            await self.stop()

    async def _beat(self) -> None:
        """Renew this engine's leases every HEARTBEAT_SECONDS, and sweep for dead owners' jobs."""
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                if time.monotonic() - renewed >= HEARTBEAT_SECONDS:
                    await self.writer.call(self.store.heartbeat, self.owner, LEASE_SECONDS)
                    renewed = time.monotonic()
                for record in await self.writer.call(self.store.mark_interrupted):
                    self._listeners.record(record)
            except VmsDeskError as err:
                log.warning("job store heartbeat failed: %s | %s", err, err.detail)

    # --- user actions -------------------------------------------------------------------------------
    async def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job: stops it here (the export is cancelled on the server), or marks a waiting one."""
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return await self.writer.call(self.store.get, job_id)
        call, store = self.writer.call, self.store
        record = await call(store.get, job_id)
        if record.state.finished:
            return record
        if record.state not in (JobState.QUEUED, JobState.INTERRUPTED) or (
            await call(store.claim, job_id, self.owner, LEASE_SECONDS) is None
        ):
            raise JobBusy("This job is running in another vms_desk window or command; cancel it there.")
        if job_id in self._pending:
            self._pending.remove(job_id)
        record = await call(store.move, job_id, JobState.CANCELLED, "Cancelled by the user.")
        await call(store.release, job_id, self.owner)
        self._listeners.record(record)
        return record

    async def retry(self, job_id: str, secrets: Mapping[str, str] | None = None) -> JobRecord:
        """Queue a failed or cancelled job again from the start (secrets must be given again)."""
        call, store = self.writer.call, self.store
        record = await call(store.get, job_id)
        if record.state not in (JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED):
            raise JobBusy(f"Only failed or cancelled jobs can be retried; this one is {record.state}.")
        if not self.owns(record):
            raise JobBusy(
                f"This job belongs to workstation {record.workstation}: retry it there, or reassign it to "
                f"{self.workstation} first (supervisor board, or `vms-desk reassign`)."
            )
        if await call(store.claim, job_id, self.owner, LEASE_SECONDS) is None:
            raise JobBusy("This job is running in another vms_desk window or command.")
        record = await call(
            store.move,
            job_id,
            JobState.QUEUED,
            "Retried by the user.",
            handle=None,
            progress=0.0,
            bytes_done=0,
            bytes_total=None,
            error="",
            files=(),
            manifest=None,
        )
        self._secrets[job_id] = dict(secrets or {})
        self._listeners.record(record)
        self._schedule(job_id)
        return record

    def remove(self, job_id: str) -> None:
        """Forget a finished job (its evidence folder stays on disk)."""
        self._check_removable(self.store.get(job_id))
        self.store.remove(job_id)

    def _check_removable(self, record: JobRecord) -> None:
        if record.id in self._tasks or record.state.active or record.state is JobState.QUEUED:
            raise JobBusy("Cancel the job before removing it.")

    async def resume_interrupted(self, only: Collection[str] | None = None) -> list[JobRecord]:
        """Mark the jobs of processes that are gone `interrupted`, then take every interrupted job of this
        workstation (or those with an id in `only`) nobody else runs and queue it to resume where it
        stopped (the GUI's start-up, `vms-desk resume`). Another workstation's job is left alone: its
        files and .part are on that computer; a supervisor reassigns it to move it. The store's calls
        run on its writer thread (a team store is a network away from the GUI thread)."""
        call, store = self.writer.call, self.store
        for record in await call(store.mark_interrupted):
            self._listeners.record(record)
        resumed = []
        for record in await call(store.jobs, [JobState.INTERRUPTED]):
            if only is not None and record.id not in only:
                continue
            if not self.owns(record):
                continue
            claimed = await call(store.claim, record.id, self.owner, LEASE_SECONDS)
            if claimed is None:
                continue
            resumed.append(claimed)
            self._schedule(record.id)
        return resumed

    def owns(self, record: JobRecord) -> bool:
        """True when this workstation may resume or retry the job (see `owns_job`)."""
        return owns_job(self.store, self.workstation, record)

    async def discard(self, job_id: str) -> None:
        """remove(), with the store's calls on its writer thread (for the GUI)."""
        self._check_removable(await self.writer.call(self.store.get, job_id))
        await self.writer.call(self.store.remove, job_id)

    def jobs(self) -> list[JobRecord]:
        """The jobs of this workstation's job list (see `workstation_jobs`)."""
        return workstation_jobs(self.store, self.workstation)

    def add_health_listener(self, callback: HealthListener) -> Callable[[], None]:
        """Hear when the store is unreachable for the engine's writes (None: it answers again)."""
        return self.writer.add_health_listener(callback)

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._running

    @property
    def active(self) -> int:
        """How many jobs this engine is running or holds to start."""
        return len(self._tasks) + len(self._pending)
