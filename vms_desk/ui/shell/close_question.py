"""Closing the window while its exports run: keep them running without the window, or stop them.

Only where the engine runs in a process of its own (jobs.control.Detachable) can the exports outlive the
window; the question is a non-modal box (open(), not exec()), so the event loop, and the downloads'
progress, keep going while it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QWidget

from vms_desk.core.jobstate import JobState
from vms_desk.jobs.control import Detachable

if TYPE_CHECKING:
    from vms_desk.jobs.control import JobControl
    from vms_desk.jobs.records import JobRecord

# (True: keep running, False: stop them, None: do not close; whether to do so every time)
Answer = Callable[["bool | None", bool], None]
REMEMBER = "Do this every time (settings.json: exports_on_close)"


def exports_running(control: JobControl | None, records: Iterable[JobRecord]) -> int:
    """How many of `records` the engine behind `control` runs or will start, when it can run on
    without the window (0 otherwise: closing stops them, resumably, as it always did)."""
    if not isinstance(control, Detachable) or not control.owner:
        return 0
    return sum(
        1
        for record in records
        if record.owner == control.owner
        and not record.state.finished
        and record.state is not JobState.INTERRUPTED
    )


def ask_keep_running(parent: QWidget, count: int, answer: Answer) -> QMessageBox:
    """Open the question; `answer` gets the user's choice once, when a button is pressed."""
    if count == 1:
        what, it, them, ends, resumes = "1 export is", "it", "it", "finishes", "resumes"
    else:
        what, it, them, ends, resumes = f"{count} exports are", "they", "them", "finish", "resume"
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Exports are running",
        f"{what} still running. Keep {them} running after vms_desk closes?",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setObjectName("keepRunningBox")
    box.setInformativeText(
        f"Kept running, {it} {ends} without the window; the next start of vms_desk lists {them} and "
        f"takes back any still running. Stopped, {it} {resumes} where {it} stopped at the next start. "
        "The audit log records the choice."
    )
    keep = box.addButton("Keep running", QMessageBox.ButtonRole.AcceptRole)
    keep.setObjectName("keepRunningButton")
    stop = box.addButton("Stop exports", QMessageBox.ButtonRole.DestructiveRole)
    stop.setObjectName("stopExportsButton")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    every_time = QCheckBox(REMEMBER)
    every_time.setObjectName("rememberCloseChoice")
    box.setCheckBox(every_time)

    def answered(button: QAbstractButton) -> None:
        choice = True if button is keep else False if button is stop else None
        answer(choice, choice is not None and every_time.isChecked())

    box.buttonClicked.connect(answered)
    box.open()
    return box
