"""The vendor protocol: the one async interface every vendor client implements.

The jobs layer knows nothing vendor-specific: it starts an export, polls it, streams the files the
vendor names through `open_download`, and releases the server's resources with `finish`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from vms_desk.core.export import ExportRequest
from vms_desk.core.models import Camera, Recordings, ServerInfo, TimeSpan, Vendor
from vms_desk.core.options import Capabilities, JsonValue


class ExportPhase(StrEnum):
    """A vendor export as the server reports it."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RemoteFile(BaseModel):
    """A file the server made; `name` is the server's (untrusted) name, `locator` is vendor-private."""

    model_config = ConfigDict(frozen=True)

    name: str
    locator: str
    size: int | None = None
    actual_span: TimeSpan | None = None


class ExportHandle(BaseModel):
    """What identifies a started export; stored by the jobs layer so a restart can resume it.

    `data` must stay JSON-serialisable and must never hold secrets.
    """

    model_config = ConfigDict(frozen=True)

    export_ids: tuple[str, ...]
    session_bound: bool = False  # the ids die with the API session (VDG Sense, exacqVision)
    data: dict[str, JsonValue] = {}


class ExportStatus(BaseModel):
    """One poll's answer: phase, progress 0..1, the files once done, or the vendor's error verbatim."""

    model_config = ConfigDict(frozen=True)

    phase: ExportPhase
    progress: float = 0.0
    files: tuple[RemoteFile, ...] = ()
    error: str = ""  # the plain-language sentence for the user
    vendor_error: str = ""  # exactly what the server said
    vendor_code: str = ""
    actual_span: TimeSpan | None = None
    server_path: str | None = None  # where the files are on the server (VDG Sense)
    files_local: bool = True  # False when the files stay on the server (no share mapping)
    message: str = ""  # a note for the user that is not an error (e.g. where the files stayed)
    # The server's own state word, verbatim, for vendors that report one; kept in the job's events.
    # A word the client does not know stays RUNNING: the stall limit ends it if it never moves.
    state: str = ""


class Download(Protocol):
    """An open response body: `offset` is where it starts, `total` the whole file's size if known."""

    @property
    def offset(self) -> int:
        """Byte position of the first chunk (0 unless a Range request was honoured)."""
        ...

    @property
    def total(self) -> int | None:
        """Size of the whole file, when the server says."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body, in chunks, as it arrives."""
        ...


@runtime_checkable
class VendorClient(Protocol):
    """The async interface of every vendor client (see DESIGN.md, The vendor protocol)."""

    vendor: Vendor

    async def connect(self) -> ServerInfo:
        """Log in; later calls re-log in transparently when the session expires."""
        ...

    async def list_cameras(self) -> list[Camera]:
        """Every camera with its stable id and display name."""
        ...

    async def recordings(self, camera_id: str, span: TimeSpan) -> Recordings:
        """What is recorded in the span, or Recordings(known=False)."""
        ...

    async def capabilities(self) -> Capabilities:
        """Formats and options this server accepts."""
        ...

    async def snapshot(self, camera_id: str, at: TimeSpan) -> bytes | None:
        """A JPEG of the recorded frame at `at.start`, or None when the vendor cannot give one."""
        ...

    async def start_export(self, request: ExportRequest) -> ExportHandle:
        """Ask the server to export; returns its export id(s)."""
        ...

    async def poll(self, handle: ExportHandle) -> ExportStatus:
        """The export's state now. Raises ExportLost when the server no longer knows the id."""
        ...

    def open_download(
        self, handle: ExportHandle, file: RemoteFile, offset: int = 0
    ) -> AbstractAsyncContextManager[Download]:
        """Open one file's body from `offset` (Range where the server allows it)."""
        ...

    async def finish(self, handle: ExportHandle) -> str:
        """Release the server's resources after the files are safe; returns what happened, in words,
        for the job's events (vendors without a release call say so rather than claim one)."""
        ...

    async def cancel(self, handle: ExportHandle) -> None:
        """Stop the export on the server and release it."""
        ...

    async def aclose(self) -> None:
        """Log out where the vendor has a logout; never raises."""
        ...
