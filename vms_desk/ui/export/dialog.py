"""The export dialog, generated from a vendor's Capabilities: formats, their options, and where evidence goes.

Nothing here names a vendor: which widgets appear comes only from the FormatSpecs and OptionSpecs the
client declares. Validation is core's (`build_request`), shown inline; OK stays disabled while invalid.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.clock import ClockReading
from vms_desk.core.errors import InputError
from vms_desk.core.export import build_request
from vms_desk.core.models import Camera, TimeSpan
from vms_desk.core.options import Capabilities, JsonValue, OptionKind
from vms_desk.core.times import local_zone, now_utc, zone_label
from vms_desk.present.timeline_ticks import format_duration
from vms_desk.ui.export.option_widgets import AreaPanel, OptionEditor, TsformatEditor, make_editor

ERROR_STYLE = "color: #b91c1c;"
_KEYS = {"case": "export/case", "operator": "export/operator", "out_dir": "export/out_dir"}
_FORMAT_KEY = "export/format"


class ExportChoices(NamedTuple):
    """What the user chose; secrets travel apart from the options and are never stored."""

    format: str
    options: dict[str, JsonValue]
    case: str
    operator: str
    out_dir: Path
    secrets: dict[str, str]


class ExportDialog(QDialog):
    """Format, vendor options, case/operator and evidence folder for one export; open() it, never exec()."""

    def __init__(
        self,
        caps: Capabilities,
        *,
        span: TimeSpan,
        cameras: Sequence[Camera] = (),
        frame_jpeg: bytes | None = None,
        settings: QSettings | None = None,
        zone: tzinfo | None = None,
        clock: Callable[[], datetime] = now_utc,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export evidence")
        self.caps, self.span, self.cameras = caps, span, list(cameras)
        self._zone = zone or local_zone()
        self._clock = clock
        self._settings = settings if settings is not None else QSettings()
        self._editors: list[OptionEditor] = []
        self._panels: list[tuple[AreaPanel, int]] = []

        self.summary = QLabel(self._summary_text(), objectName="exportSummary", wordWrap=True)
        self.formatCombo = QComboBox(objectName="formatCombo")
        for spec in caps.formats:
            self.formatCombo.addItem(f"{spec.label} ({spec.name})" if spec.label else spec.name, spec.name)
        self.frame_note = QLabel(objectName="frameNote", wordWrap=True)
        self.frame_note.setStyleSheet("color: palette(placeholder-text);")
        self.options_box = QGroupBox("Options")
        self.options_form = QFormLayout(self.options_box)
        self.no_options = QLabel("This format has no options.")
        self.options_form.addRow(self.no_options)
        self.tabs = QTabWidget(objectName="areaTabs")
        self._build_options(frame_jpeg)

        evidence = self._build_evidence()
        self.errorLabel = QLabel(objectName="exportError", wordWrap=True)
        self.errorLabel.setStyleSheet(ERROR_STYLE)
        self.errorLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for two lines is kept even when there is no message: a message that comes and goes must
        # not move the frame under the mouse while a mask is being drawn.
        self.errorLabel.setMinimumHeight(2 * self.errorLabel.fontMetrics().lineSpacing() + 4)
        self.errorLabel.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        buttons = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(buttons)
        self.okButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.okButton.setText("Export")
        self.okButton.setObjectName("exportOkButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._arrange(evidence)

        for edit in (self.caseEdit, self.operatorEdit, self.outDirEdit):
            edit.textChanged.connect(self._validate)
        self.formatCombo.currentIndexChanged.connect(self._format_changed)
        remembered = self.formatCombo.findData(self._settings.value(_FORMAT_KEY, ""))
        self.formatCombo.setCurrentIndex(max(0, remembered))
        self._format_changed()

    # --- construction -------------------------------------------------------------------------------
    def _summary_text(self) -> str:
        names = ", ".join(c.name for c in self.cameras) or "no camera"
        start, end = (t.astimezone(self._zone) for t in (self.span.start, self.span.end))
        same_day = start.date() == end.date()
        end_text = f"{end:%H:%M:%S}" if same_day else f"{end:%a %d %b %Y %H:%M:%S}"
        length = format_duration(self.span.duration.total_seconds())
        return (
            f"<b>{len(self.cameras)} camera{'s' if len(self.cameras) != 1 else ''}</b>: {names}<br>"
            f"{start:%a %d %b %Y %H:%M:%S} → {end_text} ({length}), "
            f"local time {zone_label(self._zone, self.span.start)}"
        )

    def _build_evidence(self) -> QGroupBox:
        self.caseEdit = QLineEdit(objectName="caseEdit", placeholderText="e.g. 2026-0412")
        self.operatorEdit = QLineEdit(objectName="operatorEdit")
        self.outDirEdit = QLineEdit(objectName="outDirEdit")
        self.browseButton = QPushButton("Browse…", objectName="browseButton")
        self.browseButton.clicked.connect(self._browse)
        self._restore()
        box = QGroupBox("Evidence")
        form = QFormLayout(box)
        form.addRow("&Case number", self.caseEdit)
        form.addRow("O&perator", self.operatorEdit)
        folder_label = QLabel("Save &to")
        folder_label.setBuddy(self.outDirEdit)
        folder = QHBoxLayout()
        folder.addWidget(self.outDirEdit, 1)
        folder.addWidget(self.browseButton)
        form.addRow(folder_label, folder)
        return box

    def _arrange(self, evidence: QGroupBox) -> None:
        left = QVBoxLayout()
        format_row = QFormLayout()
        format_row.addRow("&Format", self.formatCombo)
        left.addLayout(format_row)
        left.addWidget(self.frame_note)
        left.addWidget(self.options_box)
        left.addWidget(evidence)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addWidget(self.tabs, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        # The server's clock check arrives after the dialog opens (show_clock); hidden until then.
        self.clockLabel = QLabel("", self, objectName="clockLabel", wordWrap=True)
        self.clockLabel.hide()
        layout.addWidget(self.clockLabel)
        layout.addLayout(columns, 1)
        layout.addWidget(self.errorLabel)
        layout.addWidget(self.buttons)

    def show_clock(self, reading: ClockReading) -> None:
        """Say the server's clock check: a warning when it is more than 2 s off or cannot be read."""
        warn = reading.off or reading.server_offset_s is None
        self.clockLabel.setText(("⚠ " if warn else "") + reading.sentence())
        self.clockLabel.setStyleSheet("color: #b45309;" if warn else "color: palette(mid);")
        self.clockLabel.show()

    def _build_options(self, frame_jpeg: bytes | None) -> None:
        for spec in self.caps.options:
            editor = make_editor(spec, self.options_box)
            if editor is None:
                continue
            if isinstance(editor, TsformatEditor):
                editor.set_instant(self.span.start)
            editor.changed.connect(self._validate)
            self._editors.append(editor)
            self.options_form.addRow(spec.label, editor)
        drawn = [o for o in self.caps.options if o.kind in (OptionKind.AREA, OptionKind.POLYGONS)]
        for page, title in ((False, "Frame: crop and masks"), (True, "PDF page: placements")):
            specs = [o for o in drawn if (o.canvas == "page") == page]
            if specs:
                panel = AreaPanel(specs, page=page, image=None if page else frame_jpeg, parent=self.tabs)
                panel.changed.connect(self._validate)
                self._panels.append((panel, self.tabs.addTab(panel, title)))

    def area_editor(self) -> QWidget | None:
        """The frame's AreaEditor (objectName areaEditor), or None when the vendor has no drawn options."""
        return next((p.editor for p, _ in self._panels if p.editor.objectName() == "areaEditor"), None)

    def area_panels(self) -> list[AreaPanel]:
        """The drawing panels (frame first, then page)."""
        return [p for p, _ in self._panels]

    def editor(self, name: str) -> OptionEditor:
        """The editor of the option called `name`."""
        return next(e for e in self._editors if e.spec.name == name)

    # --- state ----------------------------------------------------------------------------------------
    def current_format(self) -> str:
        """The vendor's name of the selected format."""
        return str(self.formatCombo.currentData())

    def _format_changed(self) -> None:
        if not self.caps.formats:
            self._validate()
            return
        fmt = self.current_format()
        any_option = False
        for editor in self._editors:
            applies = editor.spec.applies_to(fmt)
            self.options_form.setRowVisible(editor, applies)
            any_option |= applies
        self.options_form.setRowVisible(self.no_options, not any_option)
        any_tab = False
        for panel, index in self._panels:
            shown = panel.set_format(fmt)
            self.tabs.setTabVisible(index, shown)
            any_tab |= shown
        self.tabs.setVisible(any_tab)
        spec = self.caps.format(fmt)
        local = self.span.start.astimezone(self._zone)
        self.frame_note.setText(
            f"A {spec.label or fmt} holds one frame: the one at the start of the span "
            f"({local:%H:%M:%S} local)."
            if spec.frame
            else ""
        )
        self.frame_note.setVisible(spec.frame)
        self._validate()

    def _option_values(self) -> tuple[dict[str, JsonValue], dict[str, str]]:
        fmt = self.current_format()
        options: dict[str, JsonValue] = {}
        secrets: dict[str, str] = {}
        for editor in self._editors:
            value = editor.value() if editor.spec.applies_to(fmt) else None
            if value is None:
                continue
            if editor.spec.kind is OptionKind.SECRET:
                secrets[editor.spec.name] = str(value)
            else:
                options[editor.spec.name] = value
        for panel, _ in self._panels:
            options.update(panel.values(fmt))
        return options, secrets

    def problem(self) -> str:
        """The first reason the export cannot start yet, or ''."""
        if not self.caps.formats:
            return "This server offers no export format for these cameras."
        fmt = self.current_format()
        for editor in self._editors:
            if editor.spec.applies_to(fmt) and editor.problem():
                return editor.problem()
        for panel, _ in self._panels:
            if panel.problem(fmt):
                return panel.problem(fmt)
        options, secrets = self._option_values()
        cameras = self.cameras or [Camera(id="", name="")]
        try:
            for camera in cameras:
                build_request(
                    self.caps,
                    camera_id=camera.id,
                    span=self.span,
                    fmt=fmt,
                    options={**options, **secrets},
                    now=self._clock(),
                )
        except InputError as exc:
            return str(exc)
        return self._folder_problem()

    def _folder_problem(self) -> str:
        text = self.outDirEdit.text().strip()
        if not text:
            return "Choose the folder where the evidence is saved (Browse…)."
        folder = Path(text).expanduser()
        if folder.exists() and not folder.is_dir():
            return f"{folder} is a file, not a folder: choose a folder for the evidence."
        if folder.is_dir() and not os.access(folder, os.W_OK):
            return f"vms_desk cannot write to {folder}: choose a folder you may write to."
        return ""

    def _validate(self) -> None:
        message = self.problem()
        self.errorLabel.setText(message)
        self.okButton.setEnabled(not message)

    # --- result ---------------------------------------------------------------------------------------
    def export_choices(self) -> ExportChoices:
        """(format, options without secrets, case, operator, out_dir, secrets)."""
        options, secrets = self._option_values()
        return ExportChoices(
            format=self.current_format(),
            options=options,
            case=self.caseEdit.text().strip(),
            operator=self.operatorEdit.text().strip(),
            out_dir=Path(self.outDirEdit.text().strip()).expanduser(),
            secrets=secrets,
        )

    def accept(self) -> None:
        """Remember case, operator, folder and format (never a secret), then close with accepted."""
        if self.problem():
            self._validate()
            return
        self._settings.setValue(_KEYS["case"], self.caseEdit.text().strip())
        self._settings.setValue(_KEYS["operator"], self.operatorEdit.text().strip())
        self._settings.setValue(_KEYS["out_dir"], self.outDirEdit.text().strip())
        self._settings.setValue(_FORMAT_KEY, self.current_format())
        self._settings.sync()
        super().accept()

    def _restore(self) -> None:
        self.caseEdit.setText(str(self._settings.value(_KEYS["case"], "") or ""))
        self.operatorEdit.setText(str(self._settings.value(_KEYS["operator"], "") or "") or _login_name())
        default_dir = str(Path.home() / "Evidence")
        self.outDirEdit.setText(str(self._settings.value(_KEYS["out_dir"], "") or default_dir))

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Folder for the evidence", self.outDirEdit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.outDirEdit.setText)
        self._file_dialog = dialog
        dialog.open()


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, odd platform): leave it empty
        return ""
