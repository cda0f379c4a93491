"""The crash dialog: an unhandled exception shows a copyable report (without secrets) instead of vanishing.

Both paths are covered: `sys.excepthook` (Qt slots, timers) and the asyncio loop's exception handler
(tasks nobody awaited). The report is also written to the log.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import re
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vms_desk import __version__

log = logging.getLogger(__name__)

# Anything that looks like a credential is blanked: key=value pairs, auth headers, URL user-info.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|session)"
        r"(\s*[=:]\s*|['\"]\s*:\s*['\"]?)([^\s,;'\"&)}]+)"
    ),
    re.compile(r"(?i)\b(basic|bearer|digest)\s+[A-Za-z0-9+/=._~-]{6,}"),
    re.compile(r"(?i)(://)([^/@\s:]+):([^/@\s]+)@"),
)


def scrub(text: str) -> str:
    """The text with passwords, tokens, auth headers and URL credentials replaced by ***."""
    # Auth schemes first: "Authorization: Basic xyz" must lose xyz, not just the word "Basic".
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)} ***", text)
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}***:***@", text)


def build_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, context: str = ""
) -> str:
    """A plain-text report for a bug report: versions, platform, where it happened, the traceback."""
    lines = [
        f"vms_desk {__version__}",
        f"Python {platform.python_version()} · PySide6 {pyside_version} · {platform.platform()}",
    ]
    if context:
        lines.append(f"Context: {context}")
    lines.append("")
    lines.extend(traceback.format_exception(exc_type, exc, tb))
    return scrub("".join(line if line.endswith("\n") else line + "\n" for line in lines))


class CrashDialog(QDialog):
    """Shows a report with a Copy button; the app keeps running unless the user quits."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("vms_desk: unexpected error")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 460)
        intro = QLabel(
            "Something went wrong that vms_desk did not expect. Your exports and evidence folders are safe; "
            "running jobs continue. Please copy this report into a bug report (it contains no passwords)."
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(report)
        self.text.setObjectName("crashReport")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy report")
        copy.setObjectName("copyReport")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def copy(self) -> None:
        """Put the report on the clipboard."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())


class CrashHandler(QObject):
    """Receives unhandled exceptions from any source and shows one dialog per report, on the GUI thread.

    Signals:
        crashed(str): a report was produced (tests and logging listen here).
    """

    crashed = Signal(str)
    _deliver = Signal(str)

    def __init__(
        self, parent_widget: Callable[[], QWidget | None] = lambda: None, *, show_dialog: bool = True
    ) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self.show_dialog = show_dialog
        self.reports: list[str] = []
        self.dialogs: list[CrashDialog] = []  # referenced here: a parentless dialog would be collected
        self._previous_hook: Any = None
        # Queued through a signal so a report from a worker thread is shown by the GUI thread.
        self._deliver.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Hook sys.excepthook and (when given) the asyncio loop's exception handler."""
        self._previous_hook = sys.excepthook
        sys.excepthook = self.excepthook
        if loop is not None:
            loop.set_exception_handler(self.loop_handler)

    def uninstall(self) -> None:
        """Restore the previous sys.excepthook."""
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
            self._previous_hook = None

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """sys.excepthook: report instead of letting Qt abort or the error vanish."""
        if issubclass(exc_type, KeyboardInterrupt):
            QTimer.singleShot(0, lambda: QGuiApplication.instance() and QGuiApplication.quit())
            return
        self.report(build_report(exc_type, exc, tb))

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio exception handler: exceptions in tasks and callbacks nobody awaited."""
        exc = context.get("exception")
        message = str(context.get("message", ""))
        if exc is None:
            log.warning("asyncio: %s", scrub(message))
            return
        if isinstance(exc, asyncio.CancelledError):
            return
        self.report(build_report(type(exc), exc, exc.__traceback__, context=message))

    def report(self, text: str) -> None:
        """Log the report and show it (on the GUI thread)."""
        log.error("unhandled exception\n%s", text)
        self.reports.append(text)
        self._deliver.emit(text)

    def _show(self, text: str) -> None:
        self.crashed.emit(text)
        if self.show_dialog:
            dialog = CrashDialog(text, self._parent_widget())
            self.dialogs.append(dialog)
            dialog.finished.connect(lambda _: dialog in self.dialogs and self.dialogs.remove(dialog))
            dialog.open()
