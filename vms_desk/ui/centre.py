"""The centre of the main window: which cameras, the exact span fields, the timeline, the Export button."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.models import TimeSpan
from vms_desk.ui.time_fields import TimeFields
from vms_desk.ui.timeline import Timeline


class CentrePanel(QWidget):
    """Cameras summary, time fields, timeline, export button; keeps fields and timeline in step.

    Signals:
        spanChanged(object): the selected TimeSpan (or None) changed.
    """

    spanChanged = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("centrePanel")
        self.title = QLabel("No camera selected", objectName="cameraSummary")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel(
            "Select cameras on the left to see what they recorded.", objectName="cameraDetail"
        )
        self.subtitle.setWordWrap(True)

        self.timeline = Timeline(self)
        self.fields = TimeFields(self)
        self.fields.bind(self.timeline)

        self.fit_button = QToolButton(objectName="fitButton", text="Fit to recordings")
        self.fit_button.clicked.connect(self.timeline.fit)
        self.export_button = QPushButton("Export…", objectName="exportButton")
        self.export_button.setDefault(True)
        self.export_button.setMinimumWidth(140)
        self.export_button.setToolTip("Export the selected span of the selected cameras (Ctrl+E)")
        actions = QHBoxLayout()
        actions.addWidget(self.fit_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.fields)
        layout.addWidget(self.timeline)
        layout.addLayout(actions)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        # The fields report valid spans; a reversed span (invalid) must disable Export too.
        self.fields.spanChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.startEdit.dateTimeChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.endEdit.dateTimeChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.startEdit.editingFinished.connect(self.show_span)
        self.fields.endEdit.editingFinished.connect(self.show_span)

    def show_span(self) -> None:
        """Bring a typed span into the timeline's view when it lies (partly) outside it."""
        span = self.span()
        if span is None:
            return
        start, end = self.timeline.view()
        if start <= span.start and span.end <= end:
            return
        pad = max(span.duration / 2, timedelta(minutes=1))
        self.timeline.set_view(span.start - pad, span.end + pad)

    def span(self) -> TimeSpan | None:
        """The span to export (from the fields, which follow the timeline), or None when invalid."""
        selected = self.fields.span()
        if selected is None:
            return None
        try:
            return TimeSpan(start=selected[0], end=selected[1])
        except VmsDeskError:
            return None

    def set_span(self, span: TimeSpan) -> None:
        """Select a span in the timeline and the fields (automation, screenshot mode), and show it."""
        self.timeline.set_selection(span.start, span.end)
        self.show_span()

    def set_camera_summary(self, cameras: list[Any], connections: Any) -> None:
        """Headline: which cameras on which servers are selected."""
        if not cameras:
            self.title.setText("No camera selected")
            self.subtitle.setText("Select cameras on the left to see what they recorded.")
            return
        names = [ref.camera.name for ref in cameras]
        servers = {ref.server_id for ref in cameras}
        self.title.setText(names[0] if len(names) == 1 else f"{len(names)} cameras")
        labels = [connections.config(s).label for s in servers if connections.config(s) is not None]
        self.subtitle.setText(
            ("on " + ", ".join(labels)) + ("" if len(names) == 1 else " — " + ", ".join(names))
        )
