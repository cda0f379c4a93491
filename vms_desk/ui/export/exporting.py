"""From the Export button to queued jobs: capabilities, a snapshot for area options, the dialog, submit."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSettings, Signal

from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.core.export import build_request
from vms_desk.core.models import TimeSpan
from vms_desk.core.options import Capabilities, OptionKind
from vms_desk.core.times import now_utc
from vms_desk.jobs.records import JobRecord
from vms_desk.ui.export.area_editor import AreaEditor
from vms_desk.ui.export.dialog import ExportChoices, ExportDialog
from vms_desk.ui.sources.connections import Connections
from vms_desk.ui.sources.source_tree import CameraRef
from vms_desk.workstation.tasks import TaskSet

log = logging.getLogger(__name__)

_FRAME_KINDS = (OptionKind.AREA, OptionKind.POLYGONS)


def needs_frame(caps: Capabilities, fmt: str) -> bool:
    """True when an option of `fmt` is drawn over a camera frame (croparea, maskspace)."""
    return any(o.kind in _FRAME_KINDS and o.applies_to(fmt) and o.canvas != "page" for o in caps.options)


class ExportFlow(QObject):
    """Runs one export round: open the dialog for the selected cameras, then submit one job each.

    Signals:
        dialogOpened(object): the ExportDialog is open (automation drives it from here).
        submitted(list): the JobRecords queued by the last accepted dialog.
    """

    dialogOpened = Signal(object)  # noqa: N815 - Qt signal naming
    submitted = Signal(list)

    def __init__(
        self,
        window: Any,
        connections: Connections,
        engine: Any,
        tasks: TaskSet,
        settings: QSettings,
        *,
        out_dir: Path,
        operator: str = "",
    ) -> None:
        super().__init__(window)
        self.window = window
        self.connections = connections
        self.engine = engine
        self.tasks = tasks
        self.settings = settings
        # The dialog remembers the folder and operator under these keys; seed them on first use.
        if not settings.value("export/out_dir"):
            settings.setValue("export/out_dir", str(out_dir))
        if not settings.value("export/operator") and operator:
            settings.setValue("export/operator", operator)
        self.dialog: ExportDialog | None = None
        self.frame_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Export button: gather what the dialog needs in the background, then open it."""
        self.tasks.spawn(self.open_dialog(), name="export-dialog")

    @property
    def out_dir(self) -> Path:
        """The evidence folder last used (or the default)."""
        return Path(str(self.settings.value("export/out_dir", "")))

    async def open_dialog(self) -> ExportDialog:
        """Open the export dialog for the selected cameras and span; InputError when there is nothing."""
        cameras: list[CameraRef] = self.window.sources.selected_cameras()
        span: TimeSpan | None = self.window.centre.span()
        if not cameras:
            raise InputError("Select one or more cameras in the tree first.")
        if span is None:
            raise InputError("Select a span on the timeline (or type the start and end) first.")
        servers = {ref.server_id for ref in cameras}
        if len(servers) > 1:
            raise InputError(
                "The selected cameras are on different servers, which offer different formats: "
                "export the cameras of one server at a time."
            )
        server_id = cameras[0].server_id
        caps = await self.connections.capabilities(server_id)
        dialog = self._make_dialog(caps, cameras, span, None)
        dialog.accepted.connect(lambda: self._accepted(dialog, server_id, cameras, span, caps))
        if self.dialog is not None:
            self.dialog.deleteLater()  # one export dialog at a time is kept
        self.dialog = dialog
        dialog.open()
        self.dialogOpened.emit(dialog)

        # Some vendors make a frame by running a one-frame export on the server (seconds, and a server
        # job): ask only once a format with drawn options is chosen; the frame appears when it arrives.
        def want_frame() -> None:
            if self.frame_task is None and needs_frame(caps, dialog.current_format()):
                editor = dialog.area_editor()
                if isinstance(editor, AreaEditor):
                    editor.set_loading()
                self.frame_task = self.tasks.spawn(
                    self._load_frame(dialog, server_id, cameras[0], span), name="frame"
                )

        self.frame_task = None
        dialog.formatCombo.currentIndexChanged.connect(want_frame)
        want_frame()
        return dialog

    async def _load_frame(self, dialog: ExportDialog, server_id: str, ref: CameraRef, span: TimeSpan) -> None:
        frame, reason = await self._snapshot(server_id, ref, span)
        if dialog is not self.dialog or not shiboken6.isValid(dialog):
            return  # the dialog was closed or replaced while the server made the frame
        editor = dialog.area_editor()
        if not isinstance(editor, AreaEditor):
            return
        if frame is None:
            editor.set_unavailable(reason)
        elif not editor.set_image(frame):
            log.info("undecodable snapshot for %s (%d bytes)", ref.camera.name, len(frame))

    async def _snapshot(self, server_id: str, ref: CameraRef, span: TimeSpan) -> tuple[bytes | None, str]:
        """The frame at the span's start to draw areas on, or None and a sentence saying why not."""
        try:
            frame = await self.connections.snapshot(
                server_id, ref.camera.id, TimeSpan(start=span.start, end=span.start)
            )
        except VmsDeskError as exc:
            log.info("no snapshot for %s: %s (%s)", ref.camera.name, exc, exc.detail)
            return None, str(exc)
        if frame is None:
            return None, f"{ref.camera.name} recorded nothing at the start of the span."
        return frame, ""

    def _make_dialog(
        self, caps: Capabilities, cameras: list[CameraRef], span: TimeSpan, snapshot: bytes | None
    ) -> ExportDialog:
        return ExportDialog(
            caps,
            span=span,
            cameras=[ref.camera for ref in cameras],
            frame_jpeg=snapshot,
            settings=self.settings,
            parent=self.window,
        )

    def _accepted(
        self,
        dialog: ExportDialog,
        server_id: str,
        cameras: list[CameraRef],
        span: TimeSpan,
        caps: Capabilities,
    ) -> None:
        choices = dialog.export_choices()
        self.tasks.spawn(self.submit(server_id, cameras, span, caps, choices), name="submit")

    async def submit(
        self,
        server_id: str,
        cameras: list[CameraRef],
        span: TimeSpan,
        caps: Capabilities,
        choices: ExportChoices,
    ) -> list[JobRecord]:
        """Validate every camera's request first (all or nothing), then queue one job per camera."""
        config = self.connections.config(server_id)
        if config is None:
            raise InputError("The server was removed while the export dialog was open.")
        now = now_utc()
        # Secrets are validated with the options but travel to the engine apart, never to the store.
        everything = {**choices.options, **choices.secrets}
        requests = [
            build_request(
                caps, camera_id=ref.camera.id, span=span, fmt=choices.format, options=everything, now=now
            )
            for ref in cameras
        ]
        records = []
        for ref, request in zip(cameras, requests, strict=True):
            record = await self.engine.submit(
                config,
                request,
                camera_name=ref.camera.name,
                out_dir=choices.out_dir,
                case=choices.case or None,
                operator=choices.operator or None,
                secrets=choices.secrets,
                secret_names=caps.secret_names(),
            )
            records.append(record)
        self.submitted.emit(records)
        plural = "s" if len(records) != 1 else ""
        self.window.show_status(f"Queued {len(records)} export{plural} to {choices.out_dir}.", 8000)
        return records
