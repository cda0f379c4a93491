"""Exact start/end fields in workstation local time, kept in step with the timeline both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import QDateTimeEdit, QGridLayout, QLabel, QSizePolicy, QWidget

from vms_desk.core.times import ensure_utc, local_zone, now_utc, zone_label
from vms_desk.present.timeline_ticks import format_duration
from vms_desk.ui.timeline.timeline import Timeline

DISPLAY_FORMAT = "yyyy-MM-dd HH:mm:ss"
DEFAULT_LENGTH = timedelta(minutes=10)
ERROR_STYLE = "color: #b91c1c;"


def qt_zone(zone: tzinfo) -> QTimeZone:
    """The Qt zone for a Python zone: by IANA name where there is one, else its current fixed offset."""
    key = getattr(zone, "key", None)
    if key:
        candidate = QTimeZone(key.encode())
        if candidate.isValid():
            return candidate
    if zone is UTC:
        return QTimeZone(QTimeZone.Initialization.UTC)
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    return QTimeZone(int(offset.total_seconds()) if offset is not None else 0)


def to_qdatetime(when: datetime, zone: QTimeZone) -> QDateTime:
    """An aware datetime as a QDateTime shown in `zone` (millisecond precision)."""
    millis = round(ensure_utc(when).timestamp() * 1000)
    return QDateTime.fromMSecsSinceEpoch(millis, zone)


def from_qdatetime(value: QDateTime) -> datetime:
    """A QDateTime as an aware UTC datetime."""
    return datetime.fromtimestamp(value.toMSecsSinceEpoch() / 1000, UTC)


class TimeFields(QWidget):
    """Start and end editors (local time, zone named), the duration, and an inline error when reversed.

    Signals:
        spanChanged(datetime, datetime): a valid span (aware UTC, start <= end) was entered or synced.
    """

    spanChanged = Signal(object, object)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, *, zone: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeFields")
        self._zone = zone or local_zone()
        self._qzone = qt_zone(self._zone)
        self._timeline: Timeline | None = None
        self._syncing = False
        self.startEdit = self._editor("startEdit", "Start of the span to export, in local time")
        self.endEdit = self._editor("endEdit", "End of the span to export, in local time")
        self.durationLabel = QLabel(objectName="spanDuration")
        self.zoneLabel = QLabel(objectName="zoneLabel")
        self.zoneLabel.setStyleSheet("color: palette(placeholder-text);")
        self.errorLabel = QLabel(objectName="spanError")
        self.errorLabel.setStyleSheet(ERROR_STYLE)
        self.errorLabel.setWordWrap(True)
        self.errorLabel.hide()
        start_label = QLabel("&Start")
        start_label.setBuddy(self.startEdit)
        end_label = QLabel("&End")
        end_label.setBuddy(self.endEdit)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(start_label, 0, 0)
        grid.addWidget(self.startEdit, 0, 1)
        grid.addWidget(end_label, 0, 2)
        grid.addWidget(self.endEdit, 0, 3)
        grid.addWidget(self.durationLabel, 0, 4)
        grid.addWidget(self.zoneLabel, 1, 1, 1, 5)
        grid.addWidget(self.errorLabel, 2, 1, 1, 5)
        grid.setColumnStretch(5, 1)
        end = now_utc().replace(second=0, microsecond=0)
        self.set_span(end - DEFAULT_LENGTH, end)
        self.startEdit.dateTimeChanged.connect(self._edited)
        self.endEdit.dateTimeChanged.connect(self._edited)

    def _editor(self, name: str, tip: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(objectName=name)
        edit.setTimeZone(self._qzone)
        edit.setDisplayFormat(DISPLAY_FORMAT)
        edit.setCalendarPopup(True)
        edit.setToolTip(tip)
        edit.setAccessibleName(tip)
        edit.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        return edit

    # --- values -------------------------------------------------------------------------------------
    def values(self) -> tuple[datetime, datetime]:
        """What the fields say (aware UTC), even when the end is before the start."""
        return from_qdatetime(self.startEdit.dateTime()), from_qdatetime(self.endEdit.dateTime())

    def span(self) -> tuple[datetime, datetime] | None:
        """The span (aware UTC), or None while the end is before the start."""
        start, end = self.values()
        return (start, end) if end >= start else None

    def set_span(self, start: datetime, end: datetime) -> None:
        """Show this span in the fields (without pushing it back to where it came from)."""
        self._syncing = True
        try:
            self.startEdit.setDateTime(to_qdatetime(start, self._qzone))
            self.endEdit.setDateTime(to_qdatetime(end, self._qzone))
        finally:
            self._syncing = False
        self._refresh()

    def error(self) -> str:
        """The inline error shown, or '' when the span is valid."""
        return self.errorLabel.text() if not self.errorLabel.isHidden() else ""

    # --- timeline -----------------------------------------------------------------------------------
    def bind(self, timeline: Timeline) -> None:
        """Keep these fields and `timeline`'s selection equal: each follows the other's edits."""
        self._timeline = timeline
        timeline.selectionChanged.connect(self._timeline_changed)
        selected = timeline.selection()
        if selected is not None:
            self.set_span(*selected)
        else:
            span = self.span()
            if span is not None:
                timeline.set_selection(*span)

    def _timeline_changed(self, start: datetime, end: datetime) -> None:
        if self._syncing:
            return
        self.set_span(start, end)
        self.spanChanged.emit(start, end)

    def _edited(self) -> None:
        if self._syncing:
            return
        span = self._refresh()
        if span is None:
            return
        if self._timeline is not None:
            self._syncing = True
            try:
                self._timeline.set_selection(*span)
            finally:
                self._syncing = False
        self.spanChanged.emit(*span)

    def _refresh(self) -> tuple[datetime, datetime] | None:
        start, end = self.values()
        self.zoneLabel.setText(f"Times are local: {zone_label(self._zone, start)}")
        if end < start:
            self.durationLabel.setText("")
            self.errorLabel.setText(
                "The end is before the start: pick an end after the start (or drag on the timeline)."
            )
            self.errorLabel.show()
            return None
        self.errorLabel.hide()
        self.errorLabel.setText("")
        seconds = (end - start).total_seconds()
        self.durationLabel.setText(
            f"Duration: {format_duration(seconds)}" if seconds else "Duration: a single instant"
        )
        return start, end
