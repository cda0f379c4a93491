"""The centre of the main window: which cameras, the span fields and actions, the timeline, and below
them the preview pane of the selected job (which takes the height the timeline does not need)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk.core.errors import VmsDeskError
from vms_desk.ui.player.preview_pane import PreviewPane
from vms_desk.ui.timeline.time_fields import TimeFields
from vms_desk.ui.timeline.timeline import Timeline

if TYPE_CHECKING:
    from vms_desk.core.models import TimeSpan

SMALL_SHARE = 0.05  # a typed span narrower than this share of the view is zoomed to
NO_CAMERA = "Select cameras on the left to see what they recorded."
NO_CASE = "No case"  # the case combo's first item (ui/timeline/case_marks.py lists the cases after it)


class CentrePanel(QWidget):
    """Cameras headline, time fields with the span actions, timeline, and the preview pane.

    Signals:
        spanChanged(object): the selected TimeSpan (or None) changed.
    """

    spanChanged = Signal(object)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, *, preview: PreviewPane | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("centrePanel")
        self.title = QLabel("No camera selected", objectName="cameraSummary")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel(NO_CAMERA, objectName="cameraDetail")
        # One line beside the headline: a long camera list is cut (the tooltip has all of it).
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.subtitle.setStyleSheet("color: palette(placeholder-text);")

        self.timeline = Timeline(self)
        self.fields = TimeFields(self)
        self.fields.bind(self.timeline)

        self.fit_button = QToolButton(objectName="fitButton", text="Fit to recordings")
        self.fit_button.setToolTip("Show everything the selected cameras recorded (Home in the timeline)")
        self.fit_button.clicked.connect(self.timeline.fit)
        self.zoom_button = QToolButton(objectName="zoomSelectionButton", text="Zoom to selection")
        self.zoom_button.setToolTip(
            "Centre the selected span and zoom so that it fills a third of the view (Z)"
        )
        self.zoom_button.clicked.connect(self.timeline.zoom_to_selection)
        self.export_button = QPushButton("Export…", objectName="exportButton")
        self.export_button.setDefault(True)
        self.export_button.setMinimumWidth(140)
        self.export_button.setToolTip("Export the selected span of the selected cameras (Ctrl+E)")
        self.preview = preview or PreviewPane(self)

        headline = QHBoxLayout()
        headline.setSpacing(10)
        headline.addWidget(self.title)
        headline.addWidget(self.subtitle, 1)
        # Which case's exports the timeline marks (filled by the window: ui/timeline/case_marks.py).
        self.case_combo = QComboBox(objectName="caseMarksCombo")
        self.case_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.case_combo.addItem(NO_CASE, "")
        headline.addWidget(self.case_combo)
        span_row = QHBoxLayout()
        span_row.addWidget(self.fields, 1)
        for button in (self.fit_button, self.zoom_button, self.export_button):
            span_row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 4)
        layout.setSpacing(6)
        layout.addLayout(headline)
        layout.addLayout(span_row)
        layout.addWidget(self.timeline)
        layout.addSpacing(4)
        layout.addWidget(self.preview, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # The fields report valid spans; a reversed span (invalid) must disable Export too.
        self.fields.spanChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.startEdit.dateTimeChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.endEdit.dateTimeChanged.connect(lambda *_: self.spanChanged.emit(self.span()))
        self.fields.startEdit.editingFinished.connect(self.show_span)
        self.fields.endEdit.editingFinished.connect(self.show_span)

    def show_span(self) -> None:
        """Make a typed span visible: zoom to it when it lies (partly) outside the view, or when it is
        so short in it (under ~5 % of the view) that it would be a sliver of a pixel or two."""
        span = self.span()
        if span is None:
            return
        start, end = self.timeline.view()
        inside = start <= span.start and span.end <= end
        if not inside or span.duration < (end - start) * SMALL_SHARE:
            self.timeline.zoom_to_selection()

    def span(self) -> TimeSpan | None:
        """The span to export (from the fields, which follow the timeline), or None when invalid."""
        selected = self.fields.span()
        if selected is None:
            return None
        try:
            from vms_desk.core.models import TimeSpan  # pydantic: not before the first paint

            return TimeSpan(start=selected[0], end=selected[1])
        except VmsDeskError:
            return None

    def set_span(self, span: TimeSpan) -> None:
        """Select a span in the timeline and the fields (automation, screenshot mode), and show it."""
        self.timeline.set_selection(span.start, span.end)
        self.show_span()

    def focus_chain(self) -> list[QWidget]:
        """The centre's widgets in the order Tab visits them."""
        return [
            self.fields.startEdit,
            self.fields.endEdit,
            self.fit_button,
            self.zoom_button,
            self.export_button,
            self.timeline,
            *self.preview.focus_chain(),
        ]

    def set_camera_summary(self, cameras: list[Any], connections: Any) -> None:
        """Headline: which cameras on which servers are selected."""
        if not cameras:
            self.title.setText("No camera selected")
            self.subtitle.setText(NO_CAMERA)
            self.subtitle.setToolTip("")
            return
        names = [ref.camera.name for ref in cameras]
        servers = {ref.server_id for ref in cameras}
        self.title.setText(names[0] if len(names) == 1 else f"{len(names)} cameras")
        labels = [connections.config(s).label for s in servers if connections.config(s) is not None]
        text = ("on " + ", ".join(labels)) + ("" if len(names) == 1 else " — " + ", ".join(names))
        self.subtitle.setText(text)
        self.subtitle.setToolTip(text)
