"""The job list's filter: a set of states (the dock's combo box) and a search text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from vms_desk.core.jobstate import JobState
from vms_desk.ui.jobs.model import RecordRole

if TYPE_CHECKING:
    pass

AnyIndex = QModelIndex | QPersistentModelIndex

# The filter choices the dock offers: label -> states (None: all).
STATE_FILTERS: dict[str, frozenset[JobState] | None] = {
    "All jobs": None,
    "Active": frozenset(
        {
            JobState.QUEUED,
            JobState.SUBMITTING,
            JobState.PROCESSING,
            JobState.DOWNLOADING,
            JobState.VERIFYING,
            JobState.INTERRUPTED,
        }
    ),
    "Done": frozenset({JobState.DONE}),
    "Failed": frozenset({JobState.FAILED}),
    "Cancelled": frozenset({JobState.CANCELLED}),
}


class JobFilterProxy(QSortFilterProxyModel):
    """Filters jobs by a set of states and a search text (camera, server, format, message, id)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._states: frozenset[JobState] | None = None
        self._search = ""

    def set_states(self, states: frozenset[JobState] | None) -> None:
        """Show only jobs in these states (None: all)."""
        self.beginFilterChange()
        self._states = states
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_search(self, text: str) -> None:
        """Show only jobs whose camera, server, format, message or id contains the text."""
        self.beginFilterChange()
        self._search = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        """Both filters must accept the row."""
        model = self.sourceModel()
        job = model.data(model.index(source_row, 0, source_parent), RecordRole)
        from vms_desk.jobs.records import JobRecord  # pydantic: not before the first paint

        if not isinstance(job, JobRecord):
            return False
        if self._states is not None and job.state not in self._states:
            return False
        if not self._search:
            return True
        haystack = " ".join(
            (
                job.camera_name,
                job.camera_id,
                job.server.label,
                job.request.format,
                job.error,
                job.id,
                job.case or "",
                job.operator or "",
            )
        ).lower()
        return self._search in haystack
