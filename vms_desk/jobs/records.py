"""The typed records of the job store: a job, its files and its events (never a password)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from vms_desk.core.clock import ClockReading
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan
from vms_desk.core.protocol import ExportHandle


class FileRecord(BaseModel):
    """One file safe in the evidence folder: its local name, size and SHA-256 (hex)."""

    model_config = ConfigDict(frozen=True)

    name: str
    size: int
    sha256: str


class JobEvent(BaseModel):
    """Something that happened to a job: when (UTC), the state it was in, and a sentence."""

    model_config = ConfigDict(frozen=True)

    time: datetime
    state: JobState
    detail: str = ""


class Verification(BaseModel):
    """The last re-verification of a job's files: when (UTC), whether all matched, and what was found."""

    model_config = ConfigDict(frozen=True)

    when: datetime
    ok: bool
    detail: str = ""


class JobRecord(BaseModel):
    """One export job as stored: what was asked, where it is, and what came of it.

    `request.options` has secret values replaced by `***`; the secrets themselves live only in
    memory while the job runs.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    created: datetime
    updated: datetime
    state: JobState
    server: ServerConfig
    camera_id: str
    camera_name: str
    request: ExportRequest
    handle: ExportHandle | None = None
    progress: float = 0.0  # the server's own progress, 0..1
    bytes_done: int = 0
    bytes_total: int | None = None
    error: str = ""  # the sentence for the user when failed
    out_dir: Path
    evidence_dir: Path | None = None
    case: str | None = None
    operator: str | None = None
    files: tuple[FileRecord, ...] = ()
    manifest: Path | None = None
    server_path: str | None = None  # where the files stay on the server (VDG Sense without a share)
    actual: TimeSpan | None = None  # what the server reported it exported
    owner: str = ""  # the process that runs the job (see JobStore.mark_interrupted)
    workstation: str = ""  # the host name of the computer that queued it
    clock: ClockReading | None = None  # the server's clock, measured before the export
    server_version: str = ""  # as the server reported it at login
    verified: Verification | None = None  # the last re-verification (the export's own check is in events)

    @property
    def short_id(self) -> str:
        """The first 8 characters of the id, as used in folder names."""
        return self.id[:8]

    @property
    def label(self) -> str:
        """A short description for lists and messages."""
        return f"{self.camera_name or self.camera_id} ({self.request.format})"
