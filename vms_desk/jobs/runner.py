"""One job's run: submit → poll → download → verify → manifest → done (or failed/cancelled).

Every state change goes through the store (checked transitions, an event each) and then to the
engine's listeners. Store calls run on the store's writer thread (jobs.writer), never on the event
loop: state changes are awaited (committed before the next step), progress is coalesced.
Server-side cleanup (`finish`) happens only once every file is renamed and re-hashed; on failure
or cancellation the export is cancelled on the server and no `.part` is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from vms_desk.core.errors import (
    ExportLost,
    InputError,
    ProtocolError,
    StorageError,
    VmsDeskError,
)
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.options import REDACTED, JsonValue, validate_options
from vms_desk.core.protocol import ExportHandle, ExportPhase, ExportStatus, VendorClient
from vms_desk.evidence.naming import case_folder_name, evidence_folder_name, safe_name, unique_name
from vms_desk.jobs.backoff import retrying
from vms_desk.jobs.clock import measure_clock
from vms_desk.jobs.codec import utc_now
from vms_desk.jobs.context import RunContext
from vms_desk.jobs.download import download_file
from vms_desk.jobs.finalize import export_failure, remove_job_files, verify_files, write_job_manifest
from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import FileRecord, JobEvent, JobRecord
from vms_desk.jobs.resuming import all_saved, kept_file, resumed_from, waits_for_server
from vms_desk.jobs.spans import actual_span
from vms_desk.jobs.stall import StallWatch, stall_limit

log = logging.getLogger(__name__)

CLEANUP_TIMEOUT = 15.0  # seconds for best-effort calls (finish/cancel) that must not hold a job
STORE_INTERVAL = 1.0  # progress is written to the store at most once a second
RESERVED_NAMES = ("manifest.json",)


class JobRun:
    """Runs one job to a final state (or to `interrupted` when the engine shuts down)."""

    def __init__(self, ctx: RunContext, record: JobRecord, secrets: Mapping[str, JsonValue]) -> None:
        self.ctx = ctx
        self.secrets = secrets
        self.record = record
        self.client: VendorClient | None = None
        self.restarted = False
        self.server_progress = 0.0
        self._stored_at = 0.0

    # --- store and listeners ------------------------------------------------------------------------
    def _save(self, record: JobRecord) -> JobRecord:
        self.record = record
        try:
            self.ctx.on_record(record)
        except Exception:  # a listener bug must not break the job
            log.exception("job listener failed")
        return record

    async def _move(self, target: JobState, detail: str = "", **changes: Any) -> JobRecord:
        store = self.ctx.store
        return self._save(await self.ctx.writer.call(store.move, self.record.id, target, detail, **changes))

    async def _update(self, **changes: Any) -> JobRecord:
        return self._save(await self.ctx.writer.call(self.ctx.store.update, self.record.id, **changes))

    def _note_progress(self, **changes: Any) -> None:
        """Progress: the listeners hear it now, the store within a second (coalesced, see jobs.writer)."""
        self.ctx.writer.progress(self.record.id, **changes)
        self._save(self.record.model_copy(update=changes))

    def _event(self, detail: str) -> None:
        # Called from sync callbacks (retries, resume notes); queued in order, so it is committed
        # before the job's next awaited store call.
        self.ctx.writer.post(self.ctx.store.add_event, self.record.id, detail)

    async def _record(self, detail: str) -> None:
        """An event from the run itself: committed before the run goes on (evidence of what happened)."""
        await self.ctx.writer.call(self.ctx.store.add_event, self.record.id, detail)

    async def _events(self) -> list[JobEvent]:
        return await self.ctx.writer.call(self.ctx.store.events, self.record.id)

    async def _release(self) -> None:
        await self.ctx.writer.call(self.ctx.store.release, self.record.id, self.ctx.owner)

    def _on_retry(self, err: VmsDeskError, attempt: int, delay: float) -> None:
        self._event(f"{err} (try {attempt} of {self.ctx.retry.attempts}; trying again in {delay:.1f} s)")

    # --- the cycle ------------------------------------------------------------------------------------
    async def run(self) -> JobRecord:
        """Run the job; returns its final record. Re-raises CancelledError only at engine shutdown."""
        try:
            await self._run()
        except asyncio.CancelledError:
            if self.ctx.shutting_down():
                await self._interrupted()
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            await self._stop(JobState.CANCELLED, "Cancelled by the user.")
        except VmsDeskError as err:
            if not await self._stays_interrupted(err):
                log.warning("job %s failed: %s | %s", self.record.id, err, err.detail)
                await self._stop(JobState.FAILED, str(err))
            await self.ctx.clients.forget(self.record.server, err)
        except Exception as exc:
            log.exception("job %s failed unexpectedly", self.record.id)
            await self._stop(
                JobState.FAILED,
                f"An unexpected error stopped the job ({type(exc).__name__}); the log has the details.",
            )
        return self.record

    async def _stays_interrupted(self, err: VmsDeskError) -> bool:
        """True (and said) when a resumed job waits for its server instead of failing (see resuming)."""
        if not waits_for_server(self.record.state, err):
            return False
        log.info("job %s stays interrupted: %s | %s", self.record.id, err, err.detail)
        with contextlib.suppress(VmsDeskError):
            await self._record(f"{err} The job stays interrupted with what it saved, to be resumed later.")
            await self._release()
        return True

    async def _run(self) -> None:
        record = self.record
        self.client = client = await self.ctx.clients.get(record.server, on_retry=self._on_retry)
        if not record.camera_name:
            camera = await self.ctx.clients.camera(record.server, record.camera_id)
            await self._update(camera_name=camera.name)
        if self.record.clock is None:
            await self._check_clock()
        was = resumed_from(await self._events()) if record.state is JobState.INTERRUPTED else None
        if was is JobState.VERIFYING and await all_saved(record, self._event):
            # The server may have released the export already: the files are all here, so end
            # without it rather than export again.
            await self._finish(client, ExportStatus(phase=ExportPhase.DONE, files_local=bool(record.files)))
            return
        if record.handle is None:
            if was is JobState.SUBMITTING:
                # The server may have accepted the first request; that export is never fetched
                # and the server cleans it up by itself (its id never reached the store).
                await self._record(
                    "Resuming: the server's answer to the export request never arrived before "
                    "vms_desk stopped; asking for the export again."
                )
            await self._submit(client)
        elif record.handle.session_bound and record.state is JobState.INTERRUPTED:
            await self._restart(
                client,
                "The server forgot the export when vms_desk's session with it "
                "ended; starting the export again.",
            )
        else:
            await self._move(JobState.PROCESSING, "Resuming: asking the server about the export again.")
        while True:
            try:
                status = await self._wait(client)
                await self._download(client, status)
                break
            except ExportLost as err:
                if self.restarted:
                    raise
                await self._restart(client, f"The server forgot the export ({err}); starting it again.")
        await self._finish(client, status)

    async def _check_clock(self) -> None:
        """Measure the server's clock and note its version before the export (manifest v2 `clock`)."""
        reading = await measure_clock(self.ctx.clients.http_for(self.record.server), self.record.server)
        info = self.ctx.clients.info(self.record.server)
        await self._update(clock=reading, server_version=info.version if info else "")
        if reading.off or reading.server_offset_s is None:
            await self._record(reading.sentence())

    def _live_request(self) -> ExportRequest:
        """The stored request with its secrets put back from memory."""
        request = self.record.request
        options = {**request.options, **self.secrets}
        missing = [k for k, v in options.items() if v == REDACTED]
        if missing:
            raise InputError(
                f"This job needs its {', '.join(missing)} again (secrets are never stored): retry it "
                "and give the value."
            )
        return request.model_copy(update={"options": options})

    async def _submit(self, client: VendorClient) -> ExportHandle:
        await self._move(JobState.SUBMITTING, "Asking the server to export.")
        request = self._live_request()
        # The server's own capabilities (e.g. exacqVision's format list) are known only now; the
        # request goes out with the options as validation normalised them (e.g. a number as text).
        caps = await retrying(client.capabilities, self.ctx.retry, on_retry=self._on_retry)
        options = validate_options(caps, request.format, request.options)
        request = request.model_copy(update={"options": options})
        handle = await retrying(lambda: client.start_export(request), self.ctx.retry, on_retry=self._on_retry)
        ids = ", ".join(handle.export_ids) or "none"
        await self._move(JobState.PROCESSING, f"The server accepted the export (id {ids}).", handle=handle)
        return handle

    async def _restart(self, client: VendorClient, why: str) -> None:
        self.restarted = True
        await self._record(why)
        await self._remove_files(keep_folder=True)
        await self._update(files=(), bytes_done=0, handle=None)
        await self._submit(client)

    async def _wait(self, client: VendorClient) -> ExportStatus:
        """Poll until the export is done, paced by its ETA; a failed export raises with the vendor's words."""
        handle = self.record.handle
        assert handle is not None
        pacer = self.ctx.poll.pacer()
        watch = StallWatch(stall_limit(self.record.server.vendor, self.ctx.stall_limits))

        async def poll() -> ExportStatus:
            await asyncio.sleep(pacer.hold())  # a retry is a status request too: it keeps the pace
            pacer.polled()
            return await client.poll(handle)

        while True:
            status = await retrying(poll, self.ctx.retry, on_retry=self._on_retry)
            if watch.seen(status) and status.state:
                await self._record(f'The server reports the export as "{status.state}".')
            self.server_progress = max(0.0, min(1.0, status.progress))
            pacer.observed(self.server_progress)
            self.ctx.on_progress(
                JobProgress(self.record.id, server_progress=self.server_progress, still_since=watch.since)
            )
            if status.phase is ExportPhase.DONE:
                self.server_progress = 1.0
                return status
            if status.phase is ExportPhase.FAILED:
                raise export_failure(status)
            if abs(self.record.progress - self.server_progress) >= 0.01:
                self._note_progress(progress=self.server_progress)
            watch.check()  # raises once the server has shown no change for the vendor's limit
            await asyncio.sleep(pacer.wait())

    async def _download(self, client: VendorClient, status: ExportStatus) -> None:
        record = self.record
        handle = record.handle
        assert handle is not None
        remote_files = status.files if status.files_local else ()
        if status.files_local and not status.files:
            raise ProtocolError(
                "The server finished the export but offered no file to download; check that the span "
                "holds a recording, or try again.",
                detail="export done with an empty file list",
            )
        folder = record.evidence_dir or (
            record.out_dir
            / case_folder_name(record.case)
            / evidence_folder_name(
                record.request.span.start, record.camera_name or record.camera_id, record.id
            )
        )
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"The evidence folder {folder} cannot be created ({exc.strerror}); choose another folder.",
                detail=repr(exc),
            ) from exc
        sizes = [f.size for f in remote_files]
        total = sum(s for s in sizes if s is not None) if all(s is not None for s in sizes) else None
        detail = f"Downloading {len(remote_files)} file(s) into {folder}."
        if not status.files_local:
            detail = f"The files stay on the server at {status.server_path or 'its export folder'}."
        await self._move(
            JobState.DOWNLOADING,
            detail,
            evidence_dir=folder,
            progress=1.0,
            bytes_total=total,
            server_path=status.server_path,
            actual=actual_span(status),
        )
        if status.message:  # the server's own words about the export (e.g. PSIM's time echo): kept
            await self._record(status.message)
        # Files a run before this one (stopped or killed) saved under their final name already.
        earlier = {f.name: f for f in record.files}
        taken: list[str] = list(RESERVED_NAMES)
        done_files: list[FileRecord] = []
        for remote in remote_files:
            name = unique_name(safe_name(remote.name), taken)
            taken.append(name)
            if await kept_file(folder, earlier.get(name), self._event):
                done_files.append(earlier[name])
                await self._update(files=tuple(done_files), bytes_done=sum(f.size for f in done_files))
                continue
            before = sum(f.size for f in done_files)

            def progress(done: int, size: int | None, rate: float, before: int = before) -> None:
                # A lone file's size is known from its download even when the status did not say.
                known = total if total is not None else (size if len(remote_files) == 1 else None)
                self._progress(before + done, known, rate)

            result = await download_file(
                client,
                handle,
                remote,
                folder / name,
                policy=self.ctx.retry,
                on_progress=progress,
                on_retry=self._on_retry,
                on_event=self._event,  # from where a `.part` an earlier run left is resumed, and why
            )
            done_files.append(FileRecord(name=name, size=result.size, sha256=result.sha256))
            saved = sum(f.size for f in done_files)
            known = total if total is not None else (saved if len(done_files) == len(remote_files) else None)
            await self._update(files=tuple(done_files), bytes_done=saved, bytes_total=known)
            await self._record(f"Saved {name} ({result.size} bytes, SHA-256 {result.sha256}).")

    def _progress(self, done: int, total: int | None, rate: float) -> None:
        self.ctx.on_progress(JobProgress(self.record.id, done, total, rate, self.server_progress))
        now = time.monotonic()
        if now - self._stored_at >= STORE_INTERVAL:
            self._stored_at = now
            self._note_progress(bytes_done=done)

    async def _finish(self, client: VendorClient, status: ExportStatus) -> None:
        check = "Checking every file against its SHA-256." if self.record.files else "No file to check here."
        record = await self._move(JobState.VERIFYING, check)
        assert record.evidence_dir is not None
        assert record.handle is not None
        await verify_files(record.evidence_dir, record.files)
        # Only now is every file safe on disk under its final name: release the server's copy.
        if status.files_local and record.files:
            try:
                released = await asyncio.wait_for(client.finish(record.handle), CLEANUP_TIMEOUT)
                await self._record(released)
            except (VmsDeskError, TimeoutError) as err:
                log.warning("finish failed for job %s: %r", record.id, err)
                await self._record(
                    f"The export could not be released on the server ({err}); it cleans up by itself."
                )
        done_at = utc_now()
        count = len(record.files)
        detail = (
            f"{count} file(s) saved and verified." if status.files_local else "Export finished on the server."
        )
        events = await self._events()
        manifest = await asyncio.to_thread(
            write_job_manifest, self.record, events, done_at=done_at, done_detail=detail
        )
        await self._move(
            JobState.DONE, detail, at=done_at, manifest=manifest, bytes_done=sum(f.size for f in record.files)
        )

    # --- endings ------------------------------------------------------------------------------------
    async def _stop(self, target: JobState, sentence: str) -> None:
        """Failed or cancelled: cancel the export on the server, delete partial files, record why."""
        handle = self.record.handle
        if handle is not None and handle.export_ids and self.client is not None:
            try:
                await asyncio.wait_for(self.client.cancel(handle), CLEANUP_TIMEOUT)
            except (VmsDeskError, TimeoutError) as err:
                log.info("cancel on the server failed for job %s: %r", self.record.id, err)
        await self._remove_files(keep_folder=False)
        changes: dict[str, Any] = {"files": ()}
        if target is JobState.FAILED:
            changes["error"] = sentence
        await self._move(target, sentence, **changes)
        await self._release()

    async def _interrupted(self) -> None:
        state = self.record.state
        with contextlib.suppress(VmsDeskError):
            await self._move(
                JobState.INTERRUPTED,
                f"vms_desk was closed while the job was {state}; it resumes at the next start.",
            )
            await self._release()

    async def _remove_files(self, *, keep_folder: bool) -> None:
        """Delete this job's partial and saved files (its folder is its own), and the folder if empty."""
        folder = self.record.evidence_dir
        if folder is None:
            return
        names = [f.name for f in self.record.files]
        await asyncio.to_thread(remove_job_files, folder, names, keep_folder=keep_folder)
