"""From the Export button to queued jobs: capabilities, a snapshot for area options, the dialog, submit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit

from vms_desk.cases.rules import Case
from vms_desk.core.clock import ClockReading
from vms_desk.core.errors import InputError, VmsDeskError
from vms_desk.core.export import build_request
from vms_desk.core.models import ServerConfig, TimeSpan
from vms_desk.core.options import Capabilities, OptionKind
from vms_desk.core.times import now_utc
from vms_desk.jobs.records import JobRecord
from vms_desk.ui.export.area_editor import AreaEditor
from vms_desk.ui.export.dialog import ExportChoices, ExportDialog
from vms_desk.ui.export.multi import MultiExportDialog, ServerRow
from vms_desk.ui.sources.connections import Connections
from vms_desk.ui.sources.source_tree import CameraRef
from vms_desk.workstation.tasks import TaskSet

log = logging.getLogger(__name__)

ClockCheck = Callable[[ServerConfig], Awaitable[ClockReading]]
CaseCheck = Callable[[str], tuple[Case, bool]]

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
        clock_check: ClockCheck | None = None,
        case_check: CaseCheck | None = None,
        case_numbers: Callable[[], list[str]] | None = None,
    ) -> None:
        super().__init__(window)
        self.case_numbers = case_numbers
        self.clock_check = clock_check
        self.case_check = case_check
        self.multi: MultiExportDialog | None = None
        self.skipped: list[str] = []  # the rows the last cross-server export left out, with why
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
            return await self.open_multi(cameras, span)
        server_id = cameras[0].server_id
        caps = await self.connections.capabilities(server_id)
        dialog = self._make_dialog(caps, cameras, span, None)
        self._check_clock(server_id, dialog.show_clock)
        dialog.accepted.connect(lambda: self._accepted(dialog, server_id, cameras, span, caps))
        if self.dialog is not None:
            self.dialog.deleteLater()  # one export dialog at a time is kept
        self.dialog = dialog
        dialog.open()
        self._offer_cases(dialog.caseEdit)
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

    def _check_clock(self, server_id: str, show: Callable[[ClockReading], None]) -> None:
        """Measure the server's clock in the background and show it in the dialog when it arrives."""
        config = self.connections.config(server_id)
        if self.clock_check is None or config is None:
            return
        check = self.clock_check

        async def run() -> None:
            reading = await check(config)
            with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
                show(reading)

        self.tasks.spawn(run(), name="clock")

    async def open_multi(self, cameras: list[CameraRef], span: TimeSpan) -> MultiExportDialog:
        """One dialog for cameras on several servers: a row each; a server that cannot be reached
        keeps its sentence in its row and the others go ahead."""
        rows: list[ServerRow] = []
        for server_id in dict.fromkeys(ref.server_id for ref in cameras):
            config = self.connections.config(server_id)
            row = ServerRow(
                server_id=server_id,
                label=config.label if config else server_id,
                cameras=[ref.camera for ref in cameras if ref.server_id == server_id],
            )
            try:
                row.caps = await self.connections.capabilities(server_id)
            except VmsDeskError as exc:
                row.error = str(exc)
            rows.append(row)
        dialog = MultiExportDialog(
            rows, span=span, settings=self.settings, open_options=self._row_options, parent=self.window
        )
        for index, row in enumerate(rows):
            if row.caps is not None:
                self._check_clock(row.server_id, lambda r, i=index: dialog.show_clock(i, r))
        dialog.accepted.connect(
            lambda: self.tasks.spawn(self.submit_multi(dialog, cameras, span), name="submit")
        )
        if self.multi is not None:
            self.multi.deleteLater()
        self.multi = dialog
        dialog.open()
        self._offer_cases(dialog.caseEdit)
        self.dialogOpened.emit(dialog)
        return dialog

    def _offer_cases(self, edit: QLineEdit) -> None:
        """The case field completes the open cases' numbers (a new number creates the case)."""
        if self.case_numbers is None:
            return
        completer = QCompleter(self.case_numbers(), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        edit.setToolTip(
            "An open case's number (it completes as you type), or a new one, which creates the case"
        )

    def _row_options(self, row: ServerRow, fmt: str) -> None:
        """A row's Options…: the one-server dialog, built from that server's capabilities."""
        multi = self.multi
        if row.caps is None or multi is None:
            return
        dialog = ExportDialog(
            row.caps, span=multi.span, cameras=row.cameras, settings=self.settings, parent=multi
        )
        index = dialog.formatCombo.findData(fmt)
        if index >= 0:
            dialog.formatCombo.setCurrentIndex(index)

        def take() -> None:
            choices = dialog.export_choices()
            multi.set_row_choice(row, choices.format, choices.options, choices.secrets)

        dialog.accepted.connect(take)
        dialog.open()

    async def submit_multi(
        self, dialog: MultiExportDialog, cameras: list[CameraRef], span: TimeSpan
    ) -> list[JobRecord]:
        """Queue every row's jobs (each server's run on its own queue); a row that cannot be built or
        reached is said in the status line and the others go ahead."""
        case = await self._case(dialog.caseEdit.text().strip())
        operator = dialog.operatorEdit.text().strip() or None
        records: list[JobRecord] = []
        problems: list[str] = []
        now = now_utc()
        for index, row in enumerate(dialog.rows):
            config = self.connections.config(row.server_id)
            if row.caps is None or config is None:
                problems.append(f"{row.label}: {row.error or 'the server was removed'}")
                continue
            fmt = dialog.chosen_format(index)
            everything = {**row.options, **row.secrets}
            try:
                requests = [
                    build_request(row.caps, camera_id=c.id, span=span, fmt=fmt, options=everything, now=now)
                    for c in row.cameras
                ]
            except InputError as exc:
                problems.append(f"{row.label}: {exc}")
                continue
            for camera, request in zip(row.cameras, requests, strict=True):
                records.append(
                    await self.engine.submit(
                        config,
                        request,
                        camera_name=camera.name,
                        out_dir=dialog.out_dir,
                        case=case,
                        operator=operator,
                        secrets=row.secrets,
                        secret_names=row.caps.secret_names(),
                    )
                )
        self.skipped = problems
        self.submitted.emit(records)
        said = f"Queued {len(records)} export(s) to {dialog.out_dir}."
        if problems:
            said += " Not exported: " + " ".join(problems)
        self.window.show_status(said, 15000)
        return records

    async def _case(self, number: str) -> str | None:
        """The open case for the export (created when new); InputError for a closed one. Looked up (and
        created) on a worker thread: a team store is a network away from the GUI thread."""
        if not number:
            return None
        if self.case_check is None:
            return number
        case, created = await asyncio.to_thread(self.case_check, number)
        if created:
            self.window.show_status(f"Case {case.number} did not exist: created it (open).", 8000)
        return case.number

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
        case = await self._case(choices.case)
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
                case=case,
                operator=choices.operator or None,
                secrets=choices.secrets,
                secret_names=caps.secret_names(),
            )
            records.append(record)
        self.submitted.emit(records)
        plural = "s" if len(records) != 1 else ""
        self.window.show_status(f"Queued {len(records)} export{plural} to {choices.out_dir}.", 8000)
        return records
