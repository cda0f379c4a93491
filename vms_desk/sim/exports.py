"""Server-side exports in a simulator: they take a few seconds, report progress, then hold real files."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vms_desk.sim.archive import SimCamera
from vms_desk.sim.base import SimState

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"


@dataclass
class SimExport:
    """One export the simulated server is making or has made."""

    id: str
    camera: SimCamera
    start: datetime
    end: datetime
    fmt: str
    options: dict[str, Any]
    folder: Path
    duration: float
    created: float = field(default_factory=time.monotonic)
    state: str = RUNNING
    files: list[Path] = field(default_factory=list)
    error: str = ""
    session: str = ""  # the API session that owns it (VDG, exacq)
    extra: dict[str, Any] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    stalled_at: float | None = None  # the progress frozen by the stall_exports fault

    @property
    def progress(self) -> float:
        """0..1: time-based while rendering, 1 once done; frozen while the export is stalled."""
        if self.state == DONE:
            return 1.0
        if self.stalled_at is not None:
            return self.stalled_at
        if self.duration <= 0:
            return 0.99
        return min(0.99, (time.monotonic() - self.created) / self.duration)


# Produces the export's files in `folder` (runs in a worker thread: media encoding blocks).
Producer = Callable[[SimExport], list[Path]]


class ExportRegistry:
    """Creates exports that finish after `state.export_seconds`, honouring the export-failure fault."""

    def __init__(self, state: SimState, producer: Producer, failure_text: str) -> None:
        self.state = state
        self.producer = producer
        self.failure_text = failure_text
        self.exports: dict[str, SimExport] = {}
        self.deleted: list[str] = []

    def create(
        self,
        camera: SimCamera,
        start: datetime,
        end: datetime,
        fmt: str,
        options: dict[str, Any] | None = None,
        *,
        export_id: str | None = None,
        session: str = "",
    ) -> SimExport:
        """Start an export in the background and return it at once."""
        ident = export_id or str(uuid.uuid4())
        folder = self.state.workdir / f"export-{ident}"
        folder.mkdir(parents=True, exist_ok=True)
        export = SimExport(
            ident,
            camera,
            start,
            end,
            fmt,
            dict(options or {}),
            folder,
            self.state.export_seconds,
            session=session,
        )
        self.exports[ident] = export
        export.task = asyncio.get_running_loop().create_task(self._run(export))
        return export

    async def _run(self, export: SimExport) -> None:
        fail = self.state.faults.take_export_failure()
        if self.state.faults.stall_exports:
            # A status that never advances: the export sits at a small progress until it is deleted.
            export.stalled_at = 0.1
            await asyncio.Event().wait()
        try:
            files = await asyncio.to_thread(self.producer, export) if not fail else []
            remaining = export.duration - (time.monotonic() - export.created)
            if remaining > 0:
                await asyncio.sleep(remaining)
        except asyncio.CancelledError:
            export.state = CANCELLED
            raise
        except Exception as exc:
            export.state, export.error = FAILED, f"{self.failure_text}: {exc}"
            return
        if export.state != RUNNING:
            return
        if fail:
            export.state, export.error = FAILED, self.failure_text
        else:
            export.files, export.state = files, DONE

    def get(self, ident: str) -> SimExport | None:
        """The export with this id, or None."""
        return self.exports.get(ident)

    def delete(self, ident: str) -> bool:
        """Cancel if running, remove its files; False when unknown."""
        export = self.exports.pop(ident, None)
        if export is None:
            return False
        if export.task is not None and not export.task.done():
            export.task.cancel()
        export.state = CANCELLED if export.state == RUNNING else export.state
        shutil.rmtree(export.folder, ignore_errors=True)
        self.deleted.append(ident)
        return True

    def drop_session(self, session: str) -> None:
        """Forget every export owned by an API session (VDG Sense, exacqVision semantics)."""
        for ident in [i for i, e in self.exports.items() if e.session == session]:
            self.delete(ident)
