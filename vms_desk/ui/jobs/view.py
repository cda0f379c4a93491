"""The job table view: a progress-bar delegate for the state column and an empty-state hint."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
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
    ProgressRole,
    ProgressTextRole,
    StateRole,
)

_BAR_STATES = frozenset(
    {JobState.SUBMITTING, JobState.PROCESSING, JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE}
)


class ProgressDelegate(QStyledItemDelegate):
    """Paints the state column: a bar with its text ('Downloading 40%') while a job runs or is done;
    plain coloured words for queued, failed, cancelled and interrupted jobs (a bar would mislead)."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """A bar inset in the cell, over the normal selection background; or the plain text."""
        if index.data(StateRole) not in _BAR_STATES:
            super().paint(painter, option, index)
            return
        fraction = index.data(ProgressRole)
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect).adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(max(0.0, float(fraction if fraction is not None else 0.0)) * 1000)
        bar.text = str(index.data(ProgressTextRole) or "")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)

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
        self.setItemDelegateForColumn(COL_STATE, ProgressDelegate(self))
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
