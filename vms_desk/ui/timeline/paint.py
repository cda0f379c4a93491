"""Painting of the timeline: ruler, selection band, camera rows, selection, now-line and cursor.

Only the visible window is touched: each row's SpanIndex bisects to it and merges sub-pixel runs, so a
frame costs O(width) whatever the number of recorded spans.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen

from vms_desk.present.timeline_data import TimelineRow
from vms_desk.present.timeline_ticks import (
    choose_step,
    context_marks,
    format_duration,
    minor_step,
    tick_label,
    ticks,
)

if TYPE_CHECKING:
    pass

COLORS = {
    "ruler": QColor("#f3f4f6"),
    "ruler_text": QColor("#1f2937"),
    "muted": QColor("#6b7280"),
    "grid": QColor(0, 0, 0, 28),
    "band": QColor("#eef2f7"),
    "gap": QColor("#e2e5ea"),
    "recorded": QColor("#2f855a"),
    "exported": QColor("#d97706"),
    "unknown_bg": QColor("#eceff3"),
    "unknown_hatch": QColor("#9aa3ad"),
    "future": QColor(255, 255, 255, 150),
    "now": QColor("#dc2626"),
    "sel_fill": QColor(37, 99, 235, 45),
    "sel_band": QColor("#3b6fd8"),
    "sel_edge": QColor("#1d4ed8"),
    "cursor": QColor("#374151"),
}


@dataclass(frozen=True)
class Layout:
    """Pixel geometry of the widget: gutter of row labels, ruler, selection band, then rows."""

    width: int
    height: int
    gutter: int = 150
    ruler: int = 40
    band: int = 22
    row: int = 24
    margin: int = 8

    @property
    def track_left(self) -> float:
        """x of the first track pixel."""
        return float(self.gutter)

    @property
    def track_width(self) -> float:
        """Width of the time axis in pixels (at least 1)."""
        return float(max(1, self.width - self.gutter - self.margin))

    @property
    def band_top(self) -> int:
        """y of the selection band."""
        return self.ruler

    @property
    def rows_top(self) -> int:
        """y of the first camera row."""
        return self.ruler + self.band + 4

    def row_rect(self, index: int) -> QRectF:
        """The track rectangle of row `index`."""
        top = self.rows_top + index * self.row
        return QRectF(self.track_left, top + 2, self.track_width, self.row - 4)

    def row_at(self, y: float, count: int) -> int | None:
        """The row under y, or None."""
        index = int((y - self.rows_top) // self.row)
        return index if y >= self.rows_top and 0 <= index < count else None

    def content_height(self, count: int) -> int:
        """Height needed to show `count` rows (at least one, for the empty message)."""
        return self.rows_top + max(1, count) * self.row + self.margin


@dataclass(frozen=True)
class PaintState:
    """Everything one frame shows; times are epoch seconds (UTC)."""

    rows: list[TimelineRow]
    t0: float
    t1: float
    selection: tuple[float, float] | None
    cursor: float | None
    now: float
    zone: tzinfo
    zone_text: str
    focused: bool
    hint: tuple[str, ...]  # longest first; the first that fits is shown
    empty_text: str
    # Per row (same order as `rows`): spans the selected case already holds, as epoch seconds.
    marks: tuple[tuple[tuple[float, float], ...], ...] = ()


class _Frame:
    """One paint pass: holds the painter, layout and time-to-x mapping."""

    def __init__(
        self, painter: QPainter, lay: Layout, st: PaintState, palette: QPalette, font: QFont
    ) -> None:
        self.p, self.lay, self.st, self.palette = painter, lay, st, palette
        self.font = font
        self.small = small_font(font)
        self.spp = (st.t1 - st.t0) / lay.track_width

    def x(self, t: float) -> float:
        return self.lay.track_left + (t - self.st.t0) / self.spp

    def paint(self) -> None:
        lay = self.lay
        self.p.fillRect(QRectF(0, 0, lay.width, lay.height), self.palette.color(QPalette.ColorRole.Base))
        step = choose_step(self.spp)
        self._rows_background()
        self._grid(step)
        self._rows()
        self._future()
        self._ruler(step)
        self._band()
        self._selection()
        self._now_line()
        self._cursor()
        if self.st.focused:
            pen = QPen(self.palette.color(QPalette.ColorRole.Highlight), 2)
            self.p.setPen(pen)
            self.p.setBrush(Qt.BrushStyle.NoBrush)
            self.p.drawRect(QRectF(1, 1, lay.width - 2, lay.height - 2))

    def _clip_track(self, top: float, bottom: float) -> None:
        self.p.setClipRect(QRectF(self.lay.track_left, top, self.lay.track_width, bottom - top))

    def _rows_background(self) -> None:
        for i, row in enumerate(self.st.rows):
            rect = self.lay.row_rect(i)
            if row.known:
                self.p.fillRect(rect, COLORS["gap"])
            else:
                self.p.fillRect(rect, COLORS["unknown_bg"])
                self.p.fillRect(rect, QBrush(COLORS["unknown_hatch"], Qt.BrushStyle.BDiagPattern))

    def _grid(self, step: float) -> None:
        lay, p = self.lay, self.p
        self._clip_track(lay.band_top, lay.height)
        p.setPen(QPen(COLORS["grid"], 1))
        for t in ticks(self.st.t0, self.st.t1, step, self.st.zone):
            x = round(self.x(t)) + 0.5
            p.drawLine(QPointF(x, lay.band_top), QPointF(x, lay.height - lay.margin))
        p.setClipping(False)

    def _rows(self) -> None:
        lay, p, st = self.lay, self.p, self.st
        metrics = QFontMetrics(self.font)
        p.setFont(self.font)
        if not st.rows:
            p.setPen(COLORS["muted"])
            p.drawText(
                QRectF(lay.track_left, lay.rows_top, lay.track_width, lay.row),
                Qt.AlignmentFlag.AlignCenter,
                st.empty_text,
            )
        for i, row in enumerate(st.rows):
            rect = lay.row_rect(i)
            p.setPen(self.palette.color(QPalette.ColorRole.Text))
            label = metrics.elidedText(row.label, Qt.TextElideMode.ElideRight, lay.gutter - 14)
            p.drawText(
                QRectF(8, rect.top(), lay.gutter - 12, rect.height()), Qt.AlignmentFlag.AlignVCenter, label
            )
            runs = [
                QRectF(lay.track_left + x0, rect.top(), x1 - x0, rect.height())
                for x0, x1 in row.index.pixel_runs(st.t0, st.t1, self.spp)
            ]
            if runs:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(COLORS["recorded"])
                p.drawRects(runs)
            if i < len(st.marks):
                self._marks(rect, st.marks[i])
            if row.loading or not row.known:
                text = (
                    "loading recordings…"
                    if row.loading
                    else "unknown: this server cannot tell what is recorded"
                )
                p.setFont(self.small)
                p.setPen(COLORS["ruler_text"])
                box = metrics.boundingRect(text).adjusted(-6, -1, 6, 1)
                box.moveCenter(rect.center().toPoint())
                p.fillRect(box, COLORS["unknown_bg"])
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                p.setFont(self.font)

    def _marks(self, rect: QRectF, spans: tuple[tuple[float, float], ...]) -> None:
        """Spans the selected case already holds: an amber bar along the top of the row."""
        left, right = self.lay.track_left, self.lay.track_left + self.lay.track_width
        bars = []
        for t0, t1 in spans:
            x0, x1 = max(left, self.x(t0)), min(right, self.x(t1))
            if x1 >= left and x0 <= right:
                bars.append(QRectF(x0, rect.top(), max(2.0, x1 - x0), max(3.0, rect.height() / 4)))
        if bars:
            self.p.setPen(Qt.PenStyle.NoPen)
            self.p.setBrush(COLORS["exported"])
            self.p.drawRects(bars)

    def _future(self) -> None:
        lay = self.lay
        x = max(lay.track_left, self.x(self.st.now))
        right = lay.track_left + lay.track_width
        if x < right:
            self.p.fillRect(
                QRectF(x, lay.band_top, right - x, lay.height - lay.band_top - lay.margin + 4),
                COLORS["future"],
            )

    def _ruler(self, step: float) -> None:
        lay, p, st = self.lay, self.p, self.st
        p.fillRect(QRectF(0, 0, lay.width, lay.ruler), COLORS["ruler"])
        p.setPen(QPen(QColor("#d1d5db"), 1))
        p.drawLine(QPointF(0, lay.ruler - 0.5), QPointF(lay.width, lay.ruler - 0.5))
        # The zone is named where the eye looks for it: above the row labels, beside the ruler.
        p.setFont(self.small)
        p.setPen(COLORS["muted"])
        # zone_label() reads "Europe/Berlin (UTC+01:00)": the offset goes up, the zone name below it.
        name, _, offset = st.zone_text.partition(" (")
        first = f"Local time, {offset.rstrip(')')}" if offset else "Local time"
        p.drawText(QRectF(8, 3, lay.gutter - 12, 16), Qt.AlignmentFlag.AlignVCenter, first)
        p.setPen(COLORS["ruler_text"])
        zone = QFontMetrics(self.small).elidedText(name, Qt.TextElideMode.ElideMiddle, lay.gutter - 12)
        p.drawText(QRectF(8, 19, lay.gutter - 12, 16), Qt.AlignmentFlag.AlignVCenter, zone)
        self._clip_track(0, lay.ruler)
        minor = minor_step(step, self.spp)
        p.setPen(QPen(COLORS["muted"], 1))
        if minor is not None:
            for t in ticks(st.t0, st.t1, minor, st.zone):
                x = round(self.x(t)) + 0.5
                p.drawLine(QPointF(x, lay.ruler - 4), QPointF(x, lay.ruler))
        p.setPen(COLORS["ruler_text"])
        for t in ticks(st.t0, st.t1, step, st.zone):
            x = round(self.x(t)) + 0.5
            p.drawLine(QPointF(x, lay.ruler - 9), QPointF(x, lay.ruler))
            p.drawText(QPointF(x + 3, lay.ruler - 6), tick_label(t, step, st.zone))
        self._context(step)
        p.setClipping(False)

    def _context(self, step: float) -> None:
        """Upper ruler line: day (or month) names; the left one slides out as the next arrives."""
        p, lay = self.p, self.lay
        metrics = QFontMetrics(self.small)
        marks = context_marks(self.st.t0, self.st.t1, step, self.st.zone)
        p.setFont(self.small)
        for n, (t, text) in enumerate(marks):
            x = self.x(t) + 3
            if n == 0 and len(marks) > 1:
                x = min(x, self.x(marks[1][0]) - metrics.horizontalAdvance(text) - 12)
            elif n > 0:
                p.setPen(QPen(COLORS["muted"], 1))
                p.drawLine(QPointF(self.x(t) + 0.5, 2), QPointF(self.x(t) + 0.5, lay.ruler))
            p.setPen(COLORS["ruler_text"])
            p.drawText(QPointF(x, 13), text)
        p.setFont(self.font)

    def _band(self) -> None:
        lay, p = self.lay, self.p
        p.fillRect(QRectF(lay.track_left, lay.band_top + 1, lay.track_width, lay.band - 2), COLORS["band"])
        p.setFont(self.small)
        p.setPen(COLORS["muted"])
        p.drawText(
            QRectF(8, lay.band_top, lay.gutter - 12, lay.band), Qt.AlignmentFlag.AlignVCenter, "Selection"
        )
        if self.st.hint:
            self._hint()
        p.setFont(self.font)

    def _hint(self) -> None:
        """The how-to line, in the widest free stretch of the band beside the selection."""
        lay = self.lay
        left, right = lay.track_left + 8, lay.track_left + lay.track_width - 8
        if self.st.selection is not None:
            x0, x1 = (self.x(t) for t in self.st.selection)
            before, after = (left, min(right, x0 - 10)), (max(left, x1 + 10), right)
            left, right = max(before, after, key=lambda r: r[1] - r[0])
        if right - left < 120:
            return
        metrics = QFontMetrics(self.small)
        fitting = [h for h in self.st.hint if metrics.horizontalAdvance(h) <= right - left]
        if fitting:
            box = QRectF(left, lay.band_top, right - left, lay.band)
            self.p.drawText(box, Qt.AlignmentFlag.AlignVCenter, fitting[0])

    def _selection(self) -> None:
        if self.st.selection is None:
            return
        lay, p = self.lay, self.p
        start, end = self.st.selection
        x0, x1 = self.x(start), self.x(end)
        self._clip_track(lay.band_top, lay.height)
        band = QRectF(x0, lay.band_top + 2, max(2.0, x1 - x0), lay.band - 4)
        p.fillRect(band, COLORS["sel_band"])
        p.fillRect(
            QRectF(x0, lay.rows_top, max(2.0, x1 - x0), lay.height - lay.rows_top - lay.margin + 4),
            COLORS["sel_fill"],
        )
        p.setPen(QPen(COLORS["sel_edge"], 2))
        for x in (x0, x1):
            p.drawLine(QPointF(x, lay.band_top + 2), QPointF(x, lay.height - lay.margin + 4))
        text = format_duration(end - start) if end > start else "single instant"
        p.setFont(self.small)
        if QFontMetrics(self.small).horizontalAdvance(text) + 24 < x1 - x0:
            p.setPen(QColor("white"))
            p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)
        for x in (x0, x1):
            handle = QRectF(x - 4, lay.band_top + 1, 8, lay.band - 2)
            p.setPen(QPen(QColor("white"), 1))
            p.setBrush(COLORS["sel_edge"])
            p.drawRoundedRect(handle, 2, 2)
            for dy in (-3, 0, 3):
                y = handle.center().y() + dy
                p.drawLine(QPointF(x - 2, y), QPointF(x + 2, y))
        p.setFont(self.font)
        p.setClipping(False)

    def _now_line(self) -> None:
        lay, p = self.lay, self.p
        x = self.x(self.st.now)
        if not lay.track_left <= x <= lay.track_left + lay.track_width:
            return
        p.setPen(QPen(COLORS["now"], 2))
        p.drawLine(QPointF(x, lay.ruler - 12), QPointF(x, lay.height - lay.margin + 4))
        p.setFont(self.small)
        p.drawText(QPointF(x - QFontMetrics(self.small).horizontalAdvance("now") - 3, lay.ruler - 14), "now")
        p.setFont(self.font)

    def _cursor(self) -> None:
        cursor = self.st.cursor
        lay, p = self.lay, self.p
        if cursor is None or not self.st.t0 <= cursor <= self.st.t1:
            return
        x = round(self.x(cursor)) + 0.5
        p.setPen(QPen(COLORS["cursor"], 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, lay.band_top), QPointF(x, lay.height - lay.margin + 4))
        # Zoomed out over days the hour alone is ambiguous: name the day too.
        pattern = "%a %d %b %H:%M" if self.st.t1 - self.st.t0 > 86400 else "%H:%M:%S"
        text = datetime.fromtimestamp(cursor, UTC).astimezone(self.st.zone).strftime(pattern)
        p.setFont(self.small)
        metrics = QFontMetrics(self.small)
        box = QRectF(0, lay.ruler - 17, metrics.horizontalAdvance(text) + 10, 16)
        box.moveLeft(min(max(lay.track_left, x - box.width() / 2), lay.width - box.width() - 2))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(COLORS["cursor"])
        p.drawRoundedRect(box, 3, 3)
        p.setPen(QColor("white"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(self.font)


def small_font(font: QFont) -> QFont:
    """The ruler's and the labels' smaller font."""
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.88))
    return small


def _calendar_names() -> str:
    """Every weekday and month name strftime can put in a tick label (in the current locale)."""
    monday = datetime(2024, 1, 1)  # a Monday in January
    days = (monday + timedelta(days=n) for n in range(7))
    months = (datetime(2024, m, 1) for m in range(1, 13))
    return " ".join(d.strftime("%a %A") for d in days) + " ".join(m.strftime("%b %B") for m in months)


_warmed: set[tuple[str, float]] = set()


def warm_up(palette: QPalette, font: QFont, device_pixel_ratio: float, state: PaintState) -> None:
    """Paint throw-away frames at a day, a minute and a second step, and every glyph a label can hold.

    The first paint at a new zoom level meets new labels (weekday and month names, seconds), and the
    very first paint also meets the Qt enum types and code paths nothing else has touched yet; each
    costs milliseconds the first time, enough to miss a frame. Done once right after the widget first
    painted, the glyph caches (shared per font) and the bindings are warm before the user zooms.
    """
    from vms_desk.core.models import Recordings  # pydantic: not before the window's first paint

    key = (font.key(), device_pixel_ratio)
    if key in _warmed:  # the caches are per process: once per font and pixel ratio is enough
        return
    _warmed.add(key)
    lay = Layout(width=400, height=Layout(0, 0).content_height(2))
    image = QImage(lay.width, lay.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    t = state.now
    rows = [TimelineRow("warm-up", Recordings(known=True, spans=())), TimelineRow("loading", None)]
    painter = QPainter(image)
    try:
        for width in (14 * 86400.0, 3 * 3600.0, 60.0):
            frame = PaintState(
                rows=rows,
                t0=t - width,
                t1=t,
                selection=(t - width / 2, t - width / 4),
                cursor=t - width / 3,
                now=t,
                zone=state.zone,
                zone_text=state.zone_text,
                focused=True,
                hint=state.hint,
                empty_text=state.empty_text,
            )
            paint_timeline(painter, lay, frame, palette, font)
        glyphs = " ".join(
            (string.ascii_letters + string.digits + string.punctuation + "…—·", _calendar_names())
        )
        for f in (font, small_font(font)):
            painter.setFont(f)
            painter.drawText(QPointF(0, 12), glyphs)
    finally:
        painter.end()


def paint_timeline(painter: QPainter, lay: Layout, st: PaintState, palette: QPalette, font: QFont) -> None:
    """Paint one frame of the timeline."""
    _Frame(painter, lay, st, palette, font).paint()
