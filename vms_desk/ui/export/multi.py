"""One export across servers and vendors: a row per server (its own format, options and clock), one
span, one case, one operator and one evidence folder for all. open() it, never exec()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.clock import ClockReading
from vms_desk.core.models import Camera, TimeSpan
from vms_desk.core.options import Capabilities, JsonValue
from vms_desk.core.times import local_zone, zone_label
from vms_desk.present.export_rows import default_format
from vms_desk.present.job_text import format_span

WARN_STYLE = "color: #b45309;"
ERROR_STYLE = "color: #b91c1c;"


@dataclass
class ServerRow:
    """One server of a cross-server export: what it offers, or why it cannot take part."""

    server_id: str
    label: str
    cameras: list[Camera]
    caps: Capabilities | None = None
    error: str = ""  # the server's own sentence when it cannot be reached
    clock: ClockReading | None = None
    options: dict[str, JsonValue] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


class MultiExportDialog(QDialog):
    """A row per server, each with its own format (and an Options… dialog from its capabilities)."""

    def __init__(
        self,
        rows: Sequence[ServerRow],
        *,
        span: TimeSpan,
        settings: QSettings,
        open_options: Callable[[ServerRow, str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("multiExportDialog")
        self.setWindowTitle("Export evidence from several servers")
        self.rows, self.span, self._settings = list(rows), span, settings
        self.open_options = open_options
        zone = local_zone()
        layout = QVBoxLayout(self)
        count = sum(len(r.cameras) for r in self.rows)
        layout.addWidget(
            QLabel(
                f"{count} camera(s) on {len(self.rows)} server(s) · {format_span(span, zone)} "
                f"({zone_label(zone, span.start)})",
                self,
                objectName="multiSummary",
            )
        )
        grid_box = QGroupBox("Servers", self)
        grid = QGridLayout(grid_box)
        for column, title in enumerate(("Server", "Cameras", "Format", "", "Clock")):
            grid.addWidget(QLabel(f"<b>{title}</b>", grid_box), 0, column)
        self.format_combos: list[QComboBox] = []
        self.clock_labels: list[QLabel] = []
        for number, row in enumerate(self.rows, start=1):
            self._add_row(grid, grid_box, number, row)
        layout.addWidget(grid_box)
        form = QFormLayout()
        self.caseEdit = QLineEdit(objectName="caseEdit", placeholderText="e.g. 2026-0412")
        self.operatorEdit = QLineEdit(objectName="operatorEdit")
        self.outDirEdit = QLineEdit(objectName="outDirEdit")
        self.caseEdit.setText(str(settings.value("export/case", "")))
        self.operatorEdit.setText(str(settings.value("export/operator", "")))
        self.outDirEdit.setText(str(settings.value("export/out_dir", "")))
        form.addRow("&Case number (all rows)", self.caseEdit)
        form.addRow("O&perator", self.operatorEdit)
        form.addRow("Evidence &folder", self.outDirEdit)
        layout.addLayout(form)
        self.errorLabel = QLabel("", self, objectName="errorLabel", wordWrap=True)
        self.errorLabel.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.errorLabel)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._validate()
        for edit in (self.caseEdit, self.outDirEdit):
            edit.textChanged.connect(self._validate)

    def _add_row(self, grid: QGridLayout, box: QWidget, number: int, row: ServerRow) -> None:
        grid.addWidget(QLabel(row.label, box), number, 0)
        grid.addWidget(QLabel(", ".join(c.name for c in row.cameras), box), number, 1)
        combo = QComboBox(box, objectName=f"formatCombo{number}")
        clock = QLabel("", box, objectName=f"clockLabel{number}")
        if row.caps is None:
            combo.setEnabled(False)
            clock.setText(row.error)
            clock.setStyleSheet(ERROR_STYLE)
        else:
            for spec in row.caps.formats:
                combo.addItem(spec.label or spec.name, spec.name)
            combo.setCurrentIndex(max(0, combo.findData(default_format(row.caps.formats))))
        options = QPushButton("Options…", box, objectName=f"optionsButton{number}")
        options.setEnabled(row.caps is not None and self.open_options is not None)
        options.clicked.connect(lambda *_, r=row, c=combo: self._options(r, c))
        grid.addWidget(combo, number, 2)
        grid.addWidget(options, number, 3)
        grid.addWidget(clock, number, 4)
        self.format_combos.append(combo)
        self.clock_labels.append(clock)
        if row.clock is not None:
            self.show_clock(number - 1, row.clock)

    def _options(self, row: ServerRow, combo: QComboBox) -> None:
        if self.open_options is not None:
            self.open_options(row, str(combo.currentData()))

    def show_clock(self, index: int, reading: ClockReading) -> None:
        """Show a server's clock check in its row (a warning when it is more than 2 s off)."""
        row = self.rows[index]
        row.clock = reading
        if row.caps is None:
            return
        label = self.clock_labels[index]
        offset = reading.server_offset_s
        if offset is None:
            label.setText("⚠ clock not readable")
        elif reading.off:
            label.setText(f"⚠ {abs(offset):.1f} s {'fast' if offset > 0 else 'slow'}")
        else:
            label.setText("in step")
        label.setToolTip(reading.sentence())  # the whole sentence: how it was measured, how exactly
        label.setStyleSheet(WARN_STYLE if reading.off or offset is None else "")

    def set_row_choice(
        self, row: ServerRow, fmt: str, options: dict[str, JsonValue], secrets: dict[str, str]
    ) -> None:
        """Take the format and options chosen in a row's Options… dialog."""
        index = self.rows.index(row)
        row.options, row.secrets = dict(options), dict(secrets)
        combo = self.format_combos[index]
        combo.setCurrentIndex(max(0, combo.findData(fmt)))

    def chosen_format(self, index: int) -> str:
        """The format chosen in a row ('' for a server that cannot take part)."""
        data = self.format_combos[index].currentData()
        return str(data) if data else ""

    def _validate(self) -> None:
        usable = [r for r in self.rows if r.caps is not None]
        problem = ""
        if not usable:
            problem = "None of the servers can be reached: refresh them in the tree, then try again."
        elif not self.outDirEdit.text().strip():
            problem = "Choose an evidence folder."
        self.errorLabel.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        """Remember the case, operator and folder for the next export, then close."""
        self._settings.setValue("export/case", self.caseEdit.text().strip())
        self._settings.setValue("export/operator", self.operatorEdit.text().strip())
        self._settings.setValue("export/out_dir", self.outDirEdit.text().strip())
        super().accept()

    @property
    def out_dir(self) -> Path:
        """The evidence folder for every row."""
        return Path(self.outDirEdit.text().strip()).expanduser()
