"""The job list's own cell painting: progress bars filled to the job's progress, coloured words for
ended jobs, the selection highlighted, long text cut with an ellipsis (pixels of a real view)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from records_helpers import new_record

from vms_desk.core.jobstate import JobState
from vms_desk.jobs.listeners import JobProgress
from vms_desk.ui.jobs.filter import JobFilterProxy
from vms_desk.ui.jobs.model import COL_ERROR, COL_STATE, JobTableModel
from vms_desk.ui.jobs.view import JobTableView

MB = 1 << 20


def _share(image: QImage, x0: int, x1: int, y: int, colour: QColor) -> float:
    """Share of the pixels on row y, x0..x1, within a few levels of `colour`."""
    hits = 0
    for x in range(x0, x1):
        pixel = image.pixelColor(x, y)
        hits += all(abs(a - b) <= 24 for a, b in zip(pixel.getRgb()[:3], colour.getRgb()[:3], strict=True))
    return hits / max(1, x1 - x0)


@pytest.fixture
def view(qtbot):  # type: ignore[no-untyped-def]
    """The job view as the dock builds it: the filter proxy over a JobTableModel."""
    proxy = JobFilterProxy()
    proxy.setSourceModel(JobTableModel(proxy))
    view = JobTableView(proxy)
    qtbot.addWidget(view)
    view.resize(1100, 300)
    view.show()
    qtbot.waitExposed(view)
    view.proxy = proxy  # kept alive with the view
    return view


def test_bars_fill_to_the_progress_and_ended_jobs_show_words(view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model: JobTableModel = view.model().sourceModel()
    failed = new_record(tmp_path, JobState.FAILED, error="The server refused the export. " * 8)
    running = new_record(tmp_path, JobState.DOWNLOADING, bytes_total=400 * MB)
    model.load([failed, running])  # newest first: the running job is row 0 or 1 by creation time
    model.apply_progress(JobProgress(job_id=running.id, done=100 * MB, total=400 * MB, rate=8e6))
    view.clearSelection()
    image = view.viewport().grab().toImage()
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    bar_row = model.row_of(running.id)
    rect = view.visualRect(view.model().index(bar_row, COL_STATE))
    y = rect.top() + 5  # above the text in the bar
    left, right = rect.left() + 4, rect.right() - 4
    quarter = left + (right - left) // 4
    # A quarter done: the highlight fills about the first quarter of the bar and not the rest.
    assert _share(image, left, quarter - 3, y, highlight) > 0.9
    assert _share(image, quarter + 3, right, y, highlight) < 0.1
    # The failed job: no bar, its word in red, its long message cut with an ellipsis.
    words = view.visualRect(view.model().index(model.row_of(failed.id), COL_STATE))
    assert _share(image, words.left(), words.right(), words.center().y(), highlight) == 0
    reds = [
        image.pixelColor(x, yy)
        for x in range(words.left(), words.right())
        for yy in range(words.top(), words.bottom())
    ]
    assert any(c.red() > 150 and c.green() < 100 and c.blue() < 100 for c in reds)
    message = view.visualRect(view.model().index(model.row_of(failed.id), COL_ERROR))
    assert message.width() < view.fontMetrics().horizontalAdvance(failed.error or "")


def test_a_selected_row_is_highlighted_across_its_cells(view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model: JobTableModel = view.model().sourceModel()
    queued = new_record(tmp_path, JobState.QUEUED)
    model.load([queued])
    view.selectRow(0)
    image = view.viewport().grab().toImage()
    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    rect = view.visualRect(view.model().index(0, COL_ERROR))
    assert _share(image, rect.left() + 2, rect.right() - 2, rect.top() + 2, highlight) > 0.9
