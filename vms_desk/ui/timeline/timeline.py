"""The timeline: what each camera recorded, with zoom, pan and a span selection in local time."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from enum import Enum, auto
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from vms_desk.core.times import ensure_utc, local_zone, zone_label
from vms_desk.present.timeline_data import TimelineRow
from vms_desk.present.timeline_ticks import DAY
from vms_desk.ui.timeline.paint import Layout, PaintState, paint_timeline, warm_up

if TYPE_CHECKING:
    from vms_desk.core.models import Recordings

MIN_VISIBLE = 10.0  # seconds: about a frame-accurate view of a short incident
MAX_VISIBLE = 10 * DAY  # the simulators and most retention policies keep 7 days; leave room around them
HISTORY = 3 * 365 * DAY  # how far back the view may pan
SELECTION_SHARE = 1 / 3  # "zoom to selection" makes the selection this share of the view
INSTANT_VIEW = 60.0  # seconds shown around a selection of a single instant (a JPG, a PDF)
HANDLE_PX = 6  # how close (px) to a selection edge the mouse grabs it
DRAG_PX = 3  # below this movement a press is a click, not a drag
HINTS = (
    "Drag here (or Shift+drag anywhere) to select · drag rows to pan · wheel to zoom · [ ] mark start/end"
    " · Z zooms to the selection",
    "Drag here or Shift+drag to select · drag rows to pan · wheel zooms · [ ] mark start/end · Z zoom",
    "Drag here to select · drag rows to pan · wheel zooms",
    "Drag here to select",
)
# Snapping units: selections land on round times, never finer than what one pixel can show.
_SNAP_UNITS = (1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)


class _Drag(Enum):
    NONE = auto()
    PAN = auto()
    SELECT = auto()
    START_EDGE = auto()
    END_EDGE = auto()


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class Timeline(QWidget):
    """Recorded spans of camera rows on a zoomable time axis, with a draggable span selection.

    Signals:
        selectionChanged(datetime, datetime): the selected span changed (aware UTC start <= end).
        viewChanged(datetime, datetime): the visible window moved or zoomed (aware UTC).
    """

    selectionChanged = Signal(object, object)  # noqa: N815 - Qt signal naming
    viewChanged = Signal(object, object)  # noqa: N815 - Qt signal naming

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        zone: tzinfo | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Timeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(HINTS[0])
        self._zone = zone or local_zone()
        self._clock = clock
        self._rows: list[TimelineRow] = []
        self._marks: tuple[tuple[tuple[float, float], ...], ...] = ()
        now = clock()
        self._t0 = now - DAY + 1800.0
        self._span = DAY
        self._selection: tuple[float, float] | None = None
        self._cursor: float | None = None
        self._drag = _Drag.NONE
        self._press_x = 0.0
        self._press_t0 = 0.0
        self._anchor = 0.0
        self._moved = False
        self._now_timer = QTimer(self)
        self._now_timer.setInterval(1000)
        self._now_timer.timeout.connect(self._tick)
        self._update_height()
        self._warm = False

    # --- data ---------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[tuple[str, Recordings | None]]) -> None:
        """Show these camera rows (label, recordings; None while still loading)."""
        # Indexing 100,000 spans takes a fifth of a second: rows whose Recordings object is unchanged
        # (callers re-send cached results on every pan) keep their index.
        known = {(row.label, id(row.recordings)): row for row in self._rows}
        self._rows = [known.get((label, id(rec))) or TimelineRow(label, rec) for label, rec in rows]
        self._update_height()
        self.update()

    def set_marks(self, marks: Sequence[Sequence[tuple[datetime, datetime]]]) -> None:
        """Mark, per row (in row order), the spans the selected case already holds (none: clear)."""
        self._marks = tuple(tuple((a.timestamp(), b.timestamp()) for a, b in row) for row in marks)
        self.update()

    def marks(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        """The marks shown, per row, as epoch seconds."""
        return self._marks

    def rows(self) -> list[TimelineRow]:
        """The rows shown, with their span indexes."""
        return list(self._rows)

    # --- view ---------------------------------------------------------------------------------------
    def view(self) -> tuple[datetime, datetime]:
        """The visible window (aware UTC)."""
        return _utc(self._t0), _utc(self._t0 + self._span)

    def set_view(self, start: datetime, end: datetime) -> None:
        """Show [start, end], within the zoom limits."""
        t0, t1 = ensure_utc(start).timestamp(), ensure_utc(end).timestamp()
        self._apply_view(t0, max(MIN_VISIBLE, min(MAX_VISIBLE, t1 - t0)))

    def fit(self) -> None:
        """Show every recorded span of every row (or the last day when nothing is known)."""
        extents = [row.index.extent for row in self._rows if row.index.extent is not None]
        now = self._clock()
        if not extents:
            self._apply_view(now - DAY + 1800.0, DAY)
            return
        lo, hi = min(e[0] for e in extents), max(now, *(e[1] for e in extents))
        margin = (hi - lo) * 0.02
        span = max(MIN_VISIBLE, min(MAX_VISIBLE, hi - lo + 2 * margin))
        # More than the widest view: show the most recent part, where investigations usually start.
        self._apply_view(hi + margin - span, span)

    def zoom_to_selection(self) -> bool:
        """Centre the selection, zoomed so that it fills about a third of the view; False without one."""
        if self._selection is None:
            return False
        start, end = self._selection
        span = max((end - start) / SELECTION_SHARE, INSTANT_VIEW if end == start else MIN_VISIBLE)
        span = min(MAX_VISIBLE, span)
        self._apply_view((start + end) / 2 - span / 2, span)
        return True

    def seconds_per_pixel(self) -> float:
        """Current zoom: seconds shown by one pixel of the time axis."""
        return self._span / self._layout().track_width

    def zoom(self, factor: float, around: float | None = None) -> None:
        """Zoom by `factor` (< 1 zooms in) keeping the instant `around` (epoch s) under the mouse."""
        pivot = around if around is not None else self._t0 + self._span / 2
        span = max(MIN_VISIBLE, min(MAX_VISIBLE, self._span * factor))
        self._apply_view(pivot - (pivot - self._t0) * span / self._span, span)

    def pan(self, seconds: float) -> None:
        """Move the view by `seconds` (positive: later)."""
        self._apply_view(self._t0 + seconds, self._span)

    def _apply_view(self, t0: float, span: float) -> None:
        now = self._clock()
        # Three years back covers long retention policies; the future beyond a day holds nothing.
        lo, hi = now - HISTORY, now + DAY
        t0 = max(lo, min(hi - span, t0))
        if (t0, span) != (self._t0, self._span):
            self._t0, self._span = t0, span
            self.update()
            self.viewChanged.emit(*self.view())

    # --- selection and cursor -----------------------------------------------------------------------
    def selection(self) -> tuple[datetime, datetime] | None:
        """The selected span (aware UTC), or None."""
        if self._selection is None:
            return None
        return _utc(self._selection[0]), _utc(self._selection[1])

    def set_selection(self, start: datetime, end: datetime) -> None:
        """Select [start, end] (aware datetimes; swapped when reversed); emits selectionChanged on change."""
        a, b = ensure_utc(start, "start").timestamp(), ensure_utc(end, "end").timestamp()
        self._select(min(a, b), max(a, b))

    def clear_selection(self) -> None:
        """Remove the selection (no signal: there is no span to report)."""
        self._selection = None
        self.update()

    def cursor_time(self) -> datetime | None:
        """The instant under the last mouse position or keyboard move (aware UTC), or None."""
        return None if self._cursor is None else _utc(self._cursor)

    def set_cursor_time(self, when: datetime | None) -> None:
        """Place the cursor line (the instant that [ and ] use)."""
        self._cursor = None if when is None else ensure_utc(when).timestamp()
        self.update()

    def _select(self, start: float, end: float) -> None:
        if self._selection == (start, end):
            return
        self._selection = (start, end)
        self.setAccessibleDescription(
            f"Selected {_utc(start):%Y-%m-%d %H:%M:%S} to {_utc(end):%Y-%m-%d %H:%M:%S} UTC"
        )
        self.update()
        self.selectionChanged.emit(_utc(start), _utc(end))

    def _snap(self, t: float) -> float:
        """Round to the coarsest round unit finer than a pixel (never below a whole second)."""
        spp = self.seconds_per_pixel()
        unit = max((u for u in _SNAP_UNITS if u <= spp), default=1.0)
        return round(t / unit) * unit

    # --- geometry -----------------------------------------------------------------------------------
    def _layout(self) -> Layout:
        return Layout(self.width(), self.height())

    def time_at(self, x: float) -> float:
        """Epoch seconds at widget x."""
        lay = self._layout()
        return self._t0 + (x - lay.track_left) * self._span / lay.track_width

    def x_at(self, t: float) -> float:
        """Widget x of the instant t (epoch seconds)."""
        lay = self._layout()
        return lay.track_left + (t - self._t0) * lay.track_width / self._span

    def _update_height(self) -> None:
        # Through sizeHint and a Fixed vertical policy, not setFixedHeight: layouts give the rows their
        # height, and a top-level timeline (tests, tools) stays resizable.
        self._content_height = Layout(1, 0).content_height(len(self._rows))
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Wide enough for a readable ruler; as tall as the rows."""
        return QSize(720, self._content_height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Room for labels and a short axis."""
        return QSize(360, self._content_height)

    # --- painting -----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Paint the visible window only."""
        painter = QPainter(self)
        try:
            paint_timeline(painter, self._layout(), self._paint_state(), self.palette(), self.font())
        finally:
            painter.end()
        if not self._warm:
            # The other zoom levels, right after the first paint: warmed in __init__ they would hold up
            # the window's first appearance instead.
            self._warm = True
            QTimer.singleShot(0, self, self._warm_up)

    def _warm_up(self) -> None:
        warm_up(self.palette(), self.font(), self.devicePixelRatioF(), self._paint_state())

    def _paint_state(self) -> PaintState:
        return PaintState(
            rows=self._rows,
            t0=self._t0,
            t1=self._t0 + self._span,
            selection=self._selection,
            cursor=self._cursor,
            now=self._clock(),
            zone=self._zone,
            zone_text=zone_label(self._zone, _utc(self._t0 + self._span / 2)),
            focused=self.hasFocus(),
            hint=HINTS,
            empty_text="Select one or more cameras to see what they recorded.",
            marks=self._marks,
        )

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._now_timer.start()

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._now_timer.stop()

    def _tick(self) -> None:
        # The now-line creeps one second per second: repaint only while it is in view.
        if self._t0 <= self._clock() <= self._t0 + self._span + 2:
            self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.update()

    # --- mouse --------------------------------------------------------------------------------------
    def _edge_at(self, pos: QPointF) -> _Drag:
        if self._selection is None or pos.y() < self._layout().band_top:
            return _Drag.NONE
        start_x, end_x = (self.x_at(t) for t in self._selection)
        if abs(pos.x() - end_x) <= HANDLE_PX:
            return _Drag.END_EDGE
        if abs(pos.x() - start_x) <= HANDLE_PX:
            return _Drag.START_EDGE
        return _Drag.NONE

    def _in_band(self, pos: QPointF) -> bool:
        lay = self._layout()
        return lay.band_top <= pos.y() < lay.rows_top and pos.x() >= lay.track_left

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        self._press_x, self._press_t0, self._moved = pos.x(), self._t0, False
        if pos.x() < self._layout().track_left:
            self._drag = _Drag.NONE
            return
        edge = self._edge_at(pos)
        if edge is not _Drag.NONE:
            self._drag = edge
        elif self._in_band(pos) or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._drag = _Drag.SELECT
            self._anchor = self._snap(self.time_at(pos.x()))
        else:
            self._drag = _Drag.PAN
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if abs(pos.x() - self._press_x) >= DRAG_PX:
            self._moved = True
        t = self.time_at(pos.x())
        if self._drag is _Drag.PAN:
            self._apply_view(
                self._press_t0 - (pos.x() - self._press_x) * self.seconds_per_pixel(), self._span
            )
        elif self._drag is _Drag.SELECT and self._moved:
            snapped = self._snap(t)
            self._select(min(self._anchor, snapped), max(self._anchor, snapped))
        elif self._drag in (_Drag.START_EDGE, _Drag.END_EDGE) and self._selection is not None:
            self._move_edge(self._snap(t))
        if pos.x() >= self._layout().track_left:
            self._cursor = t
            self.update()
        if self._drag is _Drag.NONE:
            self._update_shape(pos, event.modifiers())

    def _move_edge(self, t: float) -> None:
        assert self._selection is not None
        start, end = self._selection
        if self._drag is _Drag.START_EDGE:
            start = t
        else:
            end = t
        if start > end:
            # Dragged past the other edge: keep dragging, now as the other edge.
            start, end = end, start
            self._drag = _Drag.END_EDGE if self._drag is _Drag.START_EDGE else _Drag.START_EDGE
        self._select(start, end)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not self._moved and self._drag in (_Drag.PAN, _Drag.SELECT):
            # A click without a drag places the cursor used by [ and ].
            self._cursor = self.time_at(event.position().x())
        self._drag = _Drag.NONE
        self._update_shape(event.position(), event.modifiers())
        self.update()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.unsetCursor()

    def _update_shape(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if pos.x() < self._layout().track_left:
            self.unsetCursor()
        elif self._edge_at(pos) is not _Drag.NONE:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        elif self._in_band(pos) or modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.setCursor(Qt.CursorShape.IBeamCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        row = self._layout().row_at(pos.y(), len(self._rows))
        if row is not None and pos.x() < self._layout().track_left:
            QToolTip.showText(self.mapToGlobal(pos.toPoint()), self._rows[row].label, self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        delta = event.angleDelta()
        if delta.x() and not delta.y():
            self.pan(-delta.x() / 120 * self._span * 0.1)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.pan(-delta.y() / 120 * self._span * 0.1)
        elif delta.y():
            x = event.position().x()
            around = self.time_at(x) if x >= self._layout().track_left else None
            self.zoom(0.8 ** (delta.y() / 120), around)
        event.accept()

    # --- keyboard -----------------------------------------------------------------------------------
    def _key_time(self) -> float:
        """Where [ and ] act: the cursor line when it is in view, else the middle of the view."""
        if self._cursor is not None and self._t0 <= self._cursor <= self._t0 + self._span:
            return self._cursor
        return self._t0 + self._span / 2

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key, text = event.key(), event.text()
        fast = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.pan((0.5 if fast else 0.1) * self._span * (-1 if key == Qt.Key.Key_Left else 1))
        elif text in ("+", "="):
            self.zoom(0.5, self._key_time())
        elif text in ("-", "_"):
            self.zoom(2.0, self._key_time())
        elif text == "[":
            t = self._snap(self._key_time())
            end = self._selection[1] if self._selection else t
            self._select(t, max(t, end))
        elif text == "]":
            t = self._snap(self._key_time())
            start = self._selection[0] if self._selection else t
            self._select(min(start, t), t)
        elif text in ("z", "Z"):
            self.zoom_to_selection()
        elif key == Qt.Key.Key_Home:
            self.fit()
        elif key == Qt.Key.Key_End:
            self._apply_view(self._clock() - self._span * 0.9, self._span)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
