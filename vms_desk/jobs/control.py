"""What the window needs of a job engine: `Engine` in its own process, or `EngineProcess` beside it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from vms_desk.core.export import ExportRequest
    from vms_desk.core.models import ServerConfig
    from vms_desk.jobs.listeners import ProgressListener, RecordListener
    from vms_desk.jobs.records import JobRecord
    from vms_desk.jobs.store import JobStore
    from vms_desk.jobs.writer import HealthListener, StoreWriter


class JobControl(Protocol):
    """Submit, cancel, retry, discard and resume jobs; hear their changes; read the job list."""

    store: JobStore
    workstation: str
    # The store calls of the window's own actions run here, in order, off the event loop.
    writer: StoreWriter

    def add_listener(self, callback: RecordListener) -> Callable[[], None]: ...

    def add_progress_listener(self, callback: ProgressListener) -> Callable[[], None]: ...

    def add_health_listener(self, callback: HealthListener) -> Callable[[], None]: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...

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
    ) -> JobRecord: ...

    async def cancel(self, job_id: str) -> JobRecord: ...

    async def retry(self, job_id: str, secrets: Mapping[str, str] | None = None) -> JobRecord: ...

    async def discard(self, job_id: str) -> None: ...

    async def resume_interrupted(self, only: Collection[str] | None = None) -> list[JobRecord]: ...

    def jobs(self) -> list[JobRecord]: ...

    def owns(self, record: JobRecord) -> bool: ...

    @property
    def running(self) -> bool: ...


@runtime_checkable
class Detachable(Protocol):
    """A job control whose engine can run on after the window closes (an engine process)."""

    owner: str  # the engine's owner id: the jobs it runs name it
    took_over: int  # how many engines left running by a closed window handed their jobs to this one

    async def detach(self, operator: str | None = None) -> int:
        """Leave the engine running its jobs once the window is gone; how many it has."""
        ...
