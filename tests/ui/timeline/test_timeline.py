"""Timeline widget and time fields: spans in, visible-window bisect, zoom, selection, keys, unknown rows."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QLayout, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from vms_desk.core.errors import InputError
from vms_desk.core.models import Recordings, TimeSpan
from vms_desk.present.timeline_data import SpanIndex
from vms_desk.present.timeline_ticks import DAY, choose_step, context_marks, tick_label, ticks
from vms_desk.ui.timeline.paint import COLORS, Layout
from vms_desk.ui.timeline.time_fields import TimeFields
from vms_desk.ui.timeline.timeline import MAX_VISIBLE, MIN_VISIBLE, Timeline

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


def span(start: datetime, end: datetime) -> TimeSpan:
    return TimeSpan(start=start, end=end)


def recordings_with_gap(gap_start: datetime, gap_end: datetime) -> Recordings:
    """Recorded for the 7 days before NOW except one gap."""
    return Recordings(
        known=True,
        spans=(span(NOW - timedelta(days=7), gap_start), span(gap_end, NOW)),
    )


@pytest.fixture
def timeline(qtbot: QtBot) -> Iterator[Timeline]:
    """A timeline 1000 px wide inside a window, as in the main window (height from its rows)."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    # The offscreen platform warns when a layout resizes a top-level window's minimum size.
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    widget = Timeline(window, zone=BERLIN, clock=NOW.timestamp)
    layout.addWidget(widget)
    layout.addStretch(1)
    window.resize(1000, 300)
    window.show()
    yield widget  # noqa: PT022 - the window must stay referenced while the test runs


def pixel(widget: Timeline, x: float, y: float) -> QColor:
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(x * ratio), int(y * ratio))


# --- the span index ---------------------------------------------------------------------------------
def test_index_sorts_and_merges_overlapping_spans() -> None:
    index = SpanIndex([(50.0, 60.0), (10.0, 20.0), (15.0, 30.0), (30.0, 35.0), (70.0, 70.0)])
    starts, ends, i, j = index.visible_range(0.0, 100.0, 0.01)
    assert list(zip(starts[i:j], ends[i:j], strict=True)) == [(10.0, 35.0), (50.0, 60.0), (70.0, 70.0)]
    assert index.covers(12.0)
    assert index.covers(35.0)
    assert not index.covers(40.0)
    assert index.extent == (10.0, 70.0)


def test_visible_window_is_found_by_bisect_not_by_scanning() -> None:
    rng = random.Random(3)
    t, pairs = 0.0, []
    for _ in range(100_000):
        length = rng.uniform(1.0, 4.0)
        pairs.append((t, t + length))
        t += length + rng.uniform(0.5, 3.0)
    index = SpanIndex(pairs)
    # A 60 s window in the middle: only the spans that intersect it, at full precision.
    t0 = pairs[50_000][0] + 0.5
    starts, ends, i, j = index.visible_range(t0, t0 + 60.0, 0.06)
    assert 8 <= j - i <= 40
    assert ends[i] > t0 >= ends[i - 1]
    assert starts[j - 1] < t0 + 60.0 <= starts[j]
    # The whole archive on 1000 px: sub-pixel gaps are merged, so at most about one run per pixel.
    spp = t / 1000
    runs = list(index.pixel_runs(0.0, t, spp))
    assert 1 <= len(runs) <= 1000
    assert all(b > a for a, b in runs)
    assert all(runs[k + 1][0] - runs[k][1] >= 1.0 for k in range(len(runs) - 1))


def test_coarse_levels_keep_gaps_wider_than_a_pixel() -> None:
    hour = 3600.0
    index = SpanIndex([(0.0, 10 * hour), (10 * hour + 1800, 20 * hour)])  # a 30 min gap
    runs = list(index.pixel_runs(0.0, 20 * hour, 20 * hour / 1000))  # 72 s per pixel
    assert len(runs) == 2
    assert runs[1][0] - runs[0][1] == pytest.approx(1800 / 72, abs=1)


# --- rows, gaps and unknown ---------------------------------------------------------------------------
def test_gaps_and_recorded_spans_are_painted_apart(timeline: Timeline) -> None:
    gap = (NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    timeline.set_rows([("Entrance", recordings_with_gap(*gap))])
    timeline.set_view(NOW - timedelta(hours=4), NOW - timedelta(hours=1))
    lay = Layout(timeline.width(), timeline.height())
    y = lay.row_rect(0).center().y()
    in_gap = timeline.x_at((gap[0] + timedelta(minutes=37)).timestamp())  # away from grid lines
    recorded = timeline.x_at((NOW - timedelta(hours=3, minutes=23)).timestamp())
    assert pixel(timeline, in_gap, y) == COLORS["gap"]
    assert pixel(timeline, recorded, y) == COLORS["recorded"]


def test_unknown_rows_are_hatched_not_blank(timeline: Timeline) -> None:
    timeline.set_rows(
        [("Known, nothing recorded", Recordings(known=True)), ("Axis edge", Recordings(known=False))]
    )
    assert [row.known for row in timeline.rows()] == [True, False]
    lay = Layout(timeline.width(), timeline.height())
    image = timeline.grab().toImage()
    ratio = image.devicePixelRatio()

    def hatch_share(row: int) -> float:
        y = int((lay.row_rect(row).top() + 3) * ratio)
        xs = range(int(lay.track_left * ratio), int((lay.track_left + lay.track_width) * ratio))
        return sum(image.pixelColor(x, y) == COLORS["unknown_hatch"] for x in xs) / len(xs)

    assert hatch_share(0) == 0
    assert hatch_share(1) > 0.05


def test_unchanged_recordings_keep_their_index(timeline: Timeline) -> None:
    recordings = recordings_with_gap(NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    timeline.set_rows([("Entrance", recordings), ("Parking", None)])
    first = timeline.rows()[0].index
    timeline.set_rows([("Entrance", recordings), ("Parking", Recordings(known=True))])
    assert timeline.rows()[0].index is first
    timeline.set_rows([("Entrance", recordings_with_gap(NOW - timedelta(hours=3), NOW - timedelta(hours=2)))])
    assert timeline.rows()[0].index is not first


def test_loading_rows_and_height_follow_the_rows(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_rows([("A", None), ("B", Recordings(known=True)), ("C", None)])
    assert timeline.rows()[0].loading
    assert timeline.sizeHint().height() == Layout(1000, 0).content_height(3)
    qtbot.waitUntil(lambda: timeline.height() == Layout(1000, 0).content_height(3))


# --- zoom and pan -------------------------------------------------------------------------------------
def wheel(
    widget: Timeline, x: float, notches: int, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    pos = QPointF(x, 60)
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def view_seconds(widget: Timeline) -> float:
    start, end = widget.view()
    return (end - start).total_seconds()


def test_wheel_zooms_around_the_cursor_within_limits(timeline: Timeline) -> None:
    timeline.set_view(NOW - timedelta(hours=6), NOW - timedelta(hours=2))
    x = 400.0
    before = timeline.time_at(x)
    wheel(timeline, x, 3)
    assert view_seconds(timeline) == pytest.approx(4 * 3600 * 0.8**3)
    assert timeline.time_at(x) == pytest.approx(before, abs=1e-3)
    for _ in range(40):
        wheel(timeline, x, 3)
    assert view_seconds(timeline) == pytest.approx(MIN_VISIBLE)
    assert MIN_VISIBLE == 10
    for _ in range(60):
        wheel(timeline, x, -3)
    assert view_seconds(timeline) == pytest.approx(MAX_VISIBLE)
    assert MAX_VISIBLE >= 7 * DAY


def test_fit_shows_the_recordings(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_rows([("Entrance", recordings_with_gap(NOW - timedelta(hours=3), NOW - timedelta(hours=2)))])
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    start, end = timeline.view()
    assert start <= NOW - timedelta(days=7) < NOW <= end
    old = Recordings(known=True, spans=(span(NOW - timedelta(days=30), NOW - timedelta(hours=1)),))
    timeline.set_rows([("Long retention", old)])
    timeline.fit()
    start, end = timeline.view()
    assert (end - start).total_seconds() == pytest.approx(MAX_VISIBLE)
    assert end >= NOW


def test_plus_minus_zoom_and_arrows_pan(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_view(NOW - timedelta(hours=6), NOW - timedelta(hours=2))
    qtbot.keyClick(timeline, Qt.Key.Key_Plus)
    assert view_seconds(timeline) == pytest.approx(2 * 3600)
    qtbot.keyClick(timeline, Qt.Key.Key_Minus)
    assert view_seconds(timeline) == pytest.approx(4 * 3600)
    start = timeline.view()[0]
    qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.view()[0] - start == timedelta(minutes=24)
    qtbot.keyClick(timeline, Qt.Key.Key_Left)
    assert timeline.view()[0] == start


def test_dragging_the_background_pans_without_selecting(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_rows([("Entrance", recordings_with_gap(NOW - timedelta(hours=3), NOW - timedelta(hours=2)))])
    timeline.set_view(NOW - timedelta(hours=6), NOW - timedelta(hours=2))
    y = Layout(timeline.width(), timeline.height()).row_rect(0).center().y()
    start = timeline.view()[0]
    spp = timeline.seconds_per_pixel()
    with qtbot.assertNotEmitted(timeline.selectionChanged):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(600, int(y)))
        qtbot.mouseMove(timeline, QPoint(500, int(y)))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(500, int(y)))
    assert (timeline.view()[0] - start).total_seconds() == pytest.approx(100 * spp, rel=1e-6)
    assert timeline.selection() is None


# --- selection ------------------------------------------------------------------------------------------
def drag(qtbot: QtBot, widget: Timeline, x0: int, x1: int, y: int, shift: bool = False) -> None:
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, mods, QPoint(x0, y))
    qtbot.mouseMove(widget, QPoint((x0 + x1) // 2, y))
    qtbot.mouseMove(widget, QPoint(x1, y))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, mods, QPoint(x1, y))


def test_dragging_in_the_band_selects_and_emits_aware_utc(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_view(NOW - timedelta(hours=3), NOW - timedelta(hours=1))  # 8.6 s/px: 5 s snaps
    lay = Layout(timeline.width(), timeline.height())
    band_y = lay.band_top + lay.band // 2
    emitted: list[tuple[datetime, datetime]] = []
    timeline.selectionChanged.connect(lambda a, b: emitted.append((a, b)))
    drag(qtbot, timeline, 300, 700, band_y)
    start, end = timeline.selection() or (None, None)
    assert len(emitted) == 2  # live while dragging
    assert emitted[-1] == (start, end)
    assert start is not None
    assert end is not None
    assert start.tzinfo is UTC
    assert end.tzinfo is UTC
    assert start.timestamp() == pytest.approx(timeline.time_at(300), abs=5)
    assert end.timestamp() == pytest.approx(timeline.time_at(700), abs=5)
    assert start.microsecond == 0
    assert start.second % 5 == 0


def test_shift_drag_over_rows_selects_right_to_left(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_rows([("Entrance", Recordings(known=True))])
    timeline.set_view(NOW - timedelta(minutes=10), NOW)
    y = int(Layout(timeline.width(), timeline.height()).row_rect(0).center().y())
    view = timeline.view()
    drag(qtbot, timeline, 800, 400, y, shift=True)
    assert timeline.view() == view
    start, end = timeline.selection() or (None, None)
    assert start is not None
    assert end is not None
    assert start < end
    assert start.timestamp() == pytest.approx(timeline.time_at(400), abs=1)


def test_handles_move_the_selection_edges(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_view(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    a, b = NOW - timedelta(minutes=100), NOW - timedelta(minutes=80)
    timeline.set_selection(a, b)
    lay = Layout(timeline.width(), timeline.height())
    band_y = lay.band_top + lay.band // 2
    end_x = round(timeline.x_at(b.timestamp()))
    drag(qtbot, timeline, end_x, end_x + 150, band_y)
    start, end = timeline.selection() or (None, None)
    assert start == a
    assert end is not None
    assert end.timestamp() == pytest.approx(timeline.time_at(end_x + 150), abs=5)
    # Dragging the start handle past the end turns it into the end.
    start_x = round(timeline.x_at(a.timestamp()))
    far = round(timeline.x_at((end + timedelta(minutes=5)).timestamp()))
    drag(qtbot, timeline, start_x, far, band_y)
    new_start, new_end = timeline.selection() or (None, None)
    assert new_start == end
    assert new_end is not None
    assert new_end > end


def test_bracket_keys_set_start_and_end_at_the_cursor(timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_view(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    timeline.set_cursor_time(NOW - timedelta(minutes=100, seconds=0.4))
    with qtbot.waitSignal(timeline.selectionChanged):
        qtbot.keyClicks(timeline, "[")
    first = NOW - timedelta(minutes=100)
    assert timeline.selection() == (first, first)
    timeline.set_cursor_time(NOW - timedelta(minutes=75))
    qtbot.keyClicks(timeline, "]")
    assert timeline.selection() == (first, NOW - timedelta(minutes=75))
    timeline.set_cursor_time(NOW - timedelta(minutes=90))
    qtbot.keyClicks(timeline, "[")
    assert timeline.selection() == (NOW - timedelta(minutes=90), NOW - timedelta(minutes=75))


def test_set_selection_swaps_reversed_and_refuses_naive(timeline: Timeline, qtbot: QtBot) -> None:
    a, b = NOW - timedelta(hours=1), NOW - timedelta(minutes=30)
    with qtbot.waitSignal(timeline.selectionChanged) as blocker:
        timeline.set_selection(b, a)
    assert blocker.args == [a, b]
    with qtbot.assertNotEmitted(timeline.selectionChanged):
        timeline.set_selection(a, b)  # unchanged: no signal
    with pytest.raises(InputError):
        timeline.set_selection(datetime(2026, 11, 20, 10, 0), b)


def test_focus_shows_a_frame(timeline: Timeline, qtbot: QtBot) -> None:
    assert timeline.focusPolicy() == Qt.FocusPolicy.StrongFocus
    timeline.clearFocus()
    unfocused = pixel(timeline, 1, 30)
    timeline.activateWindow()
    timeline.setFocus()
    qtbot.waitUntil(timeline.hasFocus)
    focused = pixel(timeline, 1, 30)
    assert focused == timeline.palette().highlight().color()
    assert unfocused != focused


# --- ruler ------------------------------------------------------------------------------------------------
def test_tick_steps_adapt_from_days_to_seconds() -> None:
    assert choose_step(7 * DAY / 800) == DAY
    assert choose_step(7 * DAY / 1000) == 12 * 3600
    assert choose_step(3600 / 1000) == 300
    assert choose_step(10 / 1000) == 1


def test_ticks_are_local_round_times_across_daylight_saving() -> None:
    # Europe/Berlin falls back on 2026-10-25 at 03:00 CEST -> 02:00 CET.
    t0 = datetime(2026, 10, 24, 22, 30, tzinfo=UTC).timestamp()
    t1 = datetime(2026, 10, 25, 4, 0, tzinfo=UTC).timestamp()
    labels = [tick_label(t, 3600, BERLIN) for t in ticks(t0, t1, 3600, BERLIN)]
    assert labels == ["01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]
    days = ticks(t0 - 3 * DAY, t1, DAY, BERLIN)
    assert [datetime.fromtimestamp(t, BERLIN).strftime("%d %H:%M") for t in days] == [
        "23 00:00",
        "24 00:00",
        "25 00:00",
    ]
    assert tick_label(t0, 1, BERLIN) == "00:30:00"
    assert tick_label(t0, DAY, BERLIN) == "Sun 25 Oct"


def test_context_line_names_the_day_or_month() -> None:
    t0 = datetime(2026, 11, 20, 20, 0, tzinfo=BERLIN).timestamp()
    marks = context_marks(t0, t0 + 8 * 3600, 3600, BERLIN)
    assert [text for _, text in marks] == ["Fri 20 Nov 2026", "Sat 21 Nov 2026"]
    month = context_marks(t0, t0 + 14 * DAY, DAY, BERLIN)
    assert [text for _, text in month] == ["November 2026", "December 2026"]


# --- time fields --------------------------------------------------------------------------------------------
@pytest.fixture
def fields(qtbot: QtBot, timeline: Timeline) -> TimeFields:
    widget = TimeFields(zone=BERLIN)
    qtbot.addWidget(widget)
    widget.bind(timeline)
    return widget


def test_fields_follow_the_timeline_in_local_time(fields: TimeFields, timeline: Timeline) -> None:
    timeline.set_selection(
        datetime(2026, 11, 20, 9, 0, 5, tzinfo=UTC), datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    )
    assert fields.startEdit.objectName() == "startEdit"
    assert fields.endEdit.objectName() == "endEdit"
    assert fields.startEdit.text() == "2026-11-20 10:00:05"  # CET, UTC+1
    assert fields.endEdit.text() == "2026-11-20 10:30:00"
    assert "Europe/Berlin" in fields.zoneLabel.text()
    assert "UTC+01:00" in fields.zoneLabel.text()
    assert fields.durationLabel.text() == "Duration: 29 min 55 s"


def test_timeline_follows_edited_fields(fields: TimeFields, timeline: Timeline, qtbot: QtBot) -> None:
    timeline.set_selection(
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    )
    fields.endEdit.setFocus()
    fields.endEdit.setSelectedSection(fields.endEdit.Section.MinuteSection)
    with qtbot.waitSignal(fields.spanChanged) as blocker:
        qtbot.keyClick(fields.endEdit, Qt.Key.Key_Up)
    end = datetime(2026, 11, 20, 9, 31, tzinfo=UTC)
    assert blocker.args == [datetime(2026, 11, 20, 9, 0, tzinfo=UTC), end]
    assert timeline.selection() == (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), end)


def test_end_before_start_shows_an_inline_error(fields: TimeFields, timeline: Timeline, qtbot: QtBot) -> None:
    good = (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    timeline.set_selection(*good)
    with qtbot.assertNotEmitted(fields.spanChanged), qtbot.assertNotEmitted(timeline.selectionChanged):
        fields.startEdit.setDateTime(fields.endEdit.dateTime().addSecs(60))
    assert fields.span() is None
    assert "end is before the start" in fields.error()
    assert fields.errorLabel.isVisibleTo(fields)
    assert timeline.selection() == good
    fields.startEdit.setDateTime(fields.endEdit.dateTime().addSecs(-120))
    assert fields.error() == ""
    assert timeline.selection() == (good[1] - timedelta(minutes=2), good[1])


def test_binding_pushes_the_default_span_to_an_empty_timeline(qtbot: QtBot, timeline: Timeline) -> None:
    widget = TimeFields(zone=BERLIN)
    qtbot.addWidget(widget)
    assert timeline.selection() is None
    widget.bind(timeline)
    assert timeline.selection() == widget.span()


def test_void_qt_calls_leave_none_alone(timeline: Timeline) -> None:
    """PySide6 6.12 drops a reference to None per void call; on 3.11 that aborted the process after
    about 5,000 calls. From Python 3.12 None is immortal: its count must not move at all."""
    assert sys.version_info >= (3, 12)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        timeline.update()
    image = QImage(timeline.size(), QImage.Format.Format_ARGB32_Premultiplied)
    timeline.render(image)  # thousands of void QPainter calls
    assert sys.getrefcount(None) == before


# --- zoom to selection --------------------------------------------------------------------------------------
def test_zoom_to_selection_centres_it_on_a_third_of_the_view(timeline: Timeline, qtbot: QtBot) -> None:
    start = NOW - timedelta(hours=5)
    timeline.set_view(NOW - timedelta(days=1), NOW)
    timeline.set_selection(start, start + timedelta(seconds=40))
    assert timeline.x_at(start.timestamp() + 40) - timeline.x_at(start.timestamp()) < 1  # under a pixel
    timeline.setFocus()
    qtbot.keyClicks(timeline, "z")
    view_start, view_end = timeline.view()
    assert view_end - view_start == timedelta(seconds=120)
    assert view_start + (view_end - view_start) / 2 == start + timedelta(seconds=20)
    width = timeline.x_at(start.timestamp() + 40) - timeline.x_at(start.timestamp())
    lay = Layout(timeline.width(), timeline.height())
    assert width == pytest.approx(lay.track_width / 3, abs=1)


def test_zoom_to_an_instant_or_nothing(timeline: Timeline) -> None:
    assert timeline.zoom_to_selection() is False  # nothing selected: the view stays
    at = NOW - timedelta(hours=2)
    timeline.set_selection(at, at)
    assert timeline.zoom_to_selection()
    view_start, view_end = timeline.view()
    assert view_end - view_start == timedelta(seconds=60)
    assert view_start < at < view_end


# The offscreen platform warns when a top-level window's size constraints change; a desktop does not.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_short_span_typed_into_the_fields_is_zoomed_to(qtbot: QtBot) -> None:
    from vms_desk.ui.shell.centre import CentrePanel
    from vms_desk.ui.timeline.time_fields import to_qdatetime

    centre = CentrePanel()
    qtbot.addWidget(centre)
    centre.resize(1000, 600)
    centre.show()
    timeline, fields = centre.timeline, centre.fields
    now = datetime.now(UTC).replace(microsecond=0)
    timeline.set_view(now - timedelta(days=1), now)
    day = timeline.view()
    start = now - timedelta(hours=3)
    fields.startEdit.setDateTime(to_qdatetime(start, fields._qzone))
    fields.endEdit.setDateTime(to_qdatetime(start + timedelta(hours=2), fields._qzone))
    qtbot.keyClick(fields.endEdit, Qt.Key.Key_Return)
    assert timeline.view() == day  # two hours of a day are wide enough: the view stays
    fields.endEdit.setDateTime(to_qdatetime(start + timedelta(seconds=30), fields._qzone))
    assert timeline.view() == day  # typing moves the selection only; Enter (or leaving the field) zooms
    qtbot.keyClick(fields.endEdit, Qt.Key.Key_Return)
    view_start, view_end = timeline.view()
    assert view_end - view_start == timedelta(seconds=90)
    assert view_start == start - timedelta(seconds=30)
    assert timeline.selection() == (start, start + timedelta(seconds=30))
    centre.zoom_button.click()  # already there: nothing moves
    assert timeline.view() == (view_start, view_end)
