"""The team store as the window sees it: which jobs other workstations changed, and whether it is reachable.

On PostgreSQL a JobListener thread hears NOTIFY; on SQLite there is nothing to hear (the board polls
instead: vms_desk.ui.supervisor.model). Whether the store is reachable comes from three places: the
listener, the engine's store writer (an export's write failed) and the board's reads. The line about it
stays while any of them last found it unreachable; the listener's return clears them all (the
connection is proven back), a writer's or a board's later success clears its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from vms_desk.core.errors import StorageError
from vms_desk.jobs.store import EVERY_JOB, JOBS_CHANNEL
from vms_desk.store.database import StoreUnreachable

if TYPE_CHECKING:
    from collections.abc import Callable

    from vms_desk.jobs.control import JobControl
    from vms_desk.jobs.writer import StoreWriter
    from vms_desk.store.database import Database
    from vms_desk.store.listen import JobListener

LISTENER, WRITER, BOARD = "listener", "writer", "board"
GOES_ON = "Exports go on and are recorded when it is back."  # what an outage means for the user
SAYS_GOES_ON = "Exports go on"  # the writer's own outage sentences say it already (back, or free)
# How the window and the board show the line: a pale amber band, readable in both themes.
STORE_LINE_STYLE = "background: #fff3cd; color: #5c3c00; padding: 4px 8px; border: 1px solid #e0c36c;"


class StoreWatch(QObject):
    """Signals, always on the GUI thread:
    jobsChanged(object): a frozenset of job ids another process changed, or None: re-read everything
        (after a (re)connection, or a bulk import).
    problemChanged(str): the sentence about the team store ("… is unreachable; …"), '' when it is fine.
    """

    jobsChanged = Signal(object)  # noqa: N815 - Qt signal naming
    problemChanged = Signal(str)  # noqa: N815 - Qt signal naming
    _heard = Signal(object)
    _state = Signal(str, object)

    def __init__(
        self, db: Database, writer: StoreWriter | JobControl | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.problem = ""
        self._problems: dict[str, str] = {}
        self._unsubscribe: Callable[[], None] | None = None
        # The listener's and the writer's threads emit these; queued, they arrive on this object's thread.
        self._heard.connect(self._relay, Qt.ConnectionType.QueuedConnection)
        self._state.connect(self.report, Qt.ConnectionType.QueuedConnection)
        self.listener: JobListener | None = None
        if db.engine == "postgresql":
            # Imported here: a workstation on SQLite never loads psycopg.
            from vms_desk.store.listen import JobListener
            from vms_desk.store.postgres import PostgresDatabase

            assert isinstance(db, PostgresDatabase)
            self.listener = JobListener(
                db,
                JOBS_CHANNEL,
                self._heard.emit,
                lambda error: self._state.emit(LISTENER, error),
                everything=EVERY_JOB,
            )
        if writer is not None:
            self._unsubscribe = writer.add_health_listener(lambda error: self._state.emit(WRITER, error))

    @property
    def live(self) -> bool:
        """True when other processes' changes are heard as they happen (PostgreSQL)."""
        return self.listener is not None

    def _relay(self, ids: frozenset[str] | None) -> None:
        self.jobsChanged.emit(ids)

    def start(self) -> None:
        """Start listening (a thread; returns at once)."""
        if self.listener is not None:
            self.listener.start()

    def stop(self) -> None:
        """Stop listening and stop hearing the writer."""
        if self.listener is not None:
            self.listener.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def report(self, source: str, error: StorageError | None) -> None:
        """What `source` found: an error (only an unreachable store counts here: a refused write is
        that job's business), or None for success."""
        if error is None:
            if source == LISTENER:
                self._problems.clear()
            else:
                self._problems.pop(source, None)
        elif source == LISTENER or isinstance(error, StoreUnreachable):
            text = str(error)
            if (
                "Exports go on" not in text
            ):  # the store's own sentence says what is wrong; this, what it means
                text = f"{text} {GOES_ON}"
            self._problems[source] = text
        problem = next(iter(self._problems.values()), "")
        if problem != self.problem:
            self.problem = problem
            self.problemChanged.emit(problem)
