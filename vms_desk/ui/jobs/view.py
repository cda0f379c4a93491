"""The job table view: a progress-bar delegate for the state column and an empty-state hint."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from vms_desk.core.jobstate import JobState
from vms_desk.ui.jobs.filter import JobFilterProxy
from vms_desk.ui.jobs.model import (
    COL_BYTES,
    COL_CAMERA,
    COL_ERROR,
    COL_ETA,
    COL_SHA,
    COL_SPAN,
    COL_STATE,
    JobTableModel,
)

_BAR_STATES = frozenset(
    {JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE}
)


_MARGIN = 4  # px of text inset in a cell, as the style's item views use
_SELECTED = QStyle.StateFlag.State_Selected
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)


def _colour_group(option: QStyleOptionViewItem) -> QPalette.ColorGroup:
    if not option.state & QStyle.StateFlag.State_Enabled:
        return QPalette.ColorGroup.Disabled
    if option.state & QStyle.StateFlag.State_Active:
        return QPalette.ColorGroup.Active
    return QPalette.ColorGroup.Inactive


class CellDelegate(QStyledItemDelegate):
    """Plain cell text, painted directly: the selection, the model's colour and alignment, the text cut
    with an ellipsis. The style's item painting cost about a third of a millisecond a cell, each role
    asked through Qt more, and the job list repaints while downloads run (its tooltips and the details
    pane have the whole text). Cells are read from the JobTableModel behind the view's filter."""

    def __init__(self, view: QTableView, jobs: JobTableModel | None) -> None:
        super().__init__(view)
        self._view = view
        self._jobs = jobs

    def _source_row(self, index: QModelIndex | QPersistentModelIndex) -> int:
        model = self._view.model()
        if isinstance(model, JobFilterProxy):
            return model.mapToSource(index).row()
        return index.row()

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """The cell from the JobTableModel (the style's painting for any other model)."""
        if self._jobs is None:
            super().paint(painter, option, index)
            return
        self.paint_cell(painter, option, self._jobs, self._source_row(index), index.column())

    def paint_cell(
        self, painter: QPainter, option: QStyleOptionViewItem, jobs: JobTableModel, row: int, column: int
    ) -> None:
        """Selection background, then the text."""
        text, brush, align = jobs.cell(row, column)
        self.paint_text(painter, option, text, brush, align)

    @staticmethod
    def paint_text(
        painter: QPainter, option: QStyleOptionViewItem, text: str, brush: QBrush | None, align: int | None
    ) -> None:
        """`text` in the cell, in `brush`'s colour (None: the palette's), aligned as `align` says."""
        rect, palette = option.rect, option.palette
        if option.state & _SELECTED:
            group = _colour_group(option)
            painter.fillRect(rect, palette.brush(group, QPalette.ColorRole.Highlight))
            colour = palette.color(group, QPalette.ColorRole.HighlightedText)
        else:
            colour = brush.color() if brush is not None else palette.color(QPalette.ColorRole.Text)
        if not text:
            return
        inner = rect.adjusted(_MARGIN, 0, -_MARGIN, 0)
        metrics = option.fontMetrics
        if metrics.horizontalAdvance(text) > inner.width():
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
        painter.setPen(colour)
        painter.drawText(inner, align if align is not None else _LEFT, text)


class ProgressDelegate(CellDelegate):
    """Paints the state column: a bar with its text ('Downloading 40%') while a job runs or is done;
    plain coloured words for queued, failed, cancelled and interrupted jobs (a bar would mislead).

    The bar is two rectangles and the text, drawn directly: the style's progress bar cost about half a
    millisecond each, eight of them on every repaint while eight downloads run."""

    def paint_cell(
        self, painter: QPainter, option: QStyleOptionViewItem, jobs: JobTableModel, row: int, column: int
    ) -> None:
        """A bar inset in the cell, over the normal selection background; or the plain text."""
        state, fraction, text = jobs.bar(row)
        if state not in _BAR_STATES:
            _text, brush, align = jobs.cell(row, column)
            self.paint_text(painter, option, text, brush, align)
            return
        group = _colour_group(option)
        palette = option.palette
        if option.state & _SELECTED:
            painter.fillRect(option.rect, palette.brush(group, QPalette.ColorRole.Highlight))
        bar = QRect(option.rect).adjusted(2, 3, -2, -3)
        painter.fillRect(bar, palette.brush(group, QPalette.ColorRole.Base))
        done = QRect(bar)
        done.setWidth(round(bar.width() * max(0.0, min(1.0, fraction))))
        painter.fillRect(done, palette.brush(group, QPalette.ColorRole.Highlight))
        painter.setPen(palette.color(group, QPalette.ColorRole.Mid))
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        if not text:
            return
        # The text in two colours, each readable on the part of the bar it is over.
        painter.save()
        painter.setClipRect(bar.adjusted(done.width(), 0, 0, 0))
        painter.setPen(palette.color(group, QPalette.ColorRole.Text))
        painter.drawText(bar, _CENTRE, text)
        painter.setClipRect(done)
        painter.setPen(palette.color(group, QPalette.ColorRole.HighlightedText))
        painter.drawText(bar, _CENTRE, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        """Wide enough for 'Downloading 100%'."""
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 150), hint.height())


class JobTableView(QTableView):
    """The job table (objectName jobView); with no rows it says what to do instead of an empty grid."""

    EMPTY_TEXT = "No export jobs yet. Select cameras and a span, then press Export…"
    FILTERED_TEXT = "No job matches the filter."

    def __init__(self, model: QAbstractItemModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobView")
        self.setModel(model)
        source = model.sourceModel() if isinstance(model, JobFilterProxy) else model
        jobs = source if isinstance(source, JobTableModel) else None
        self.setItemDelegate(CellDelegate(self, jobs))
        self.setItemDelegateForColumn(COL_STATE, ProgressDelegate(self, jobs))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._layout_columns()

    def _layout_columns(self) -> None:
        """Fixed widths where the content has a known length, the message takes what is left.

        At 1280 px the job list is about 980 px wide: the other columns are sized for their usual
        content (about 770 px), the message gets the rest and all of any wider window; every cell's
        tooltip, and the preview pane's details, have the full text.
        """
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        metrics = self.fontMetrics()
        fixed, free = QHeaderView.ResizeMode.Fixed, QHeaderView.ResizeMode.Interactive
        sized = (
            (COL_STATE, "Downloading 100%", fixed),
            (COL_CAMERA, "Cash Desk 1 (mp4)", free),
            (COL_SPAN, "2026-11-21 13:14:00 – 13:59:00", free),
            (COL_BYTES, "12.3 of 99.9 MB · 9.9 MB/s", free),
            (COL_ETA, "59 min 59 s", fixed),
            (COL_SHA, "abcdef12…", free),
        )
        for column, sample, mode in sized:
            header.setSectionResizeMode(column, mode)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 14)
        header.setSectionResizeMode(COL_ERROR, QHeaderView.ResizeMode.Stretch)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)

    def _header_menu(self, pos: QPoint) -> QMenu:
        """Right-click on the header: show or hide columns (the state column always stays)."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("jobColumnsMenu")
        model = self.model()
        for column in range(model.columnCount()):
            if column == COL_STATE:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(lambda on, c=column: header.setSectionHidden(c, not on))
        menu.popup(header.mapToGlobal(pos))
        return menu

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The rows, or the hint."""
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0:
            return
        source = model.sourceModel() if isinstance(model, JobFilterProxy) else model
        text = self.EMPTY_TEXT if source.rowCount() == 0 else self.FILTERED_TEXT
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(
            self.viewport().rect().adjusted(0, 24, 0, 0),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            text,
        )
        painter.end()
