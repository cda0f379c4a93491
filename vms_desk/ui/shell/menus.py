"""The main window's menus (every main action, with its shortcut shown) and its Tab order."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from vms_desk import __version__

Shortcut = tuple[str | QKeySequence.StandardKey, str]  # (key, the action's objectName)

# The actions that work with the Workstation: disabled while the window waits for it to open.
WORKSTATION_ACTIONS = ("addServerAction", "openEvidenceAction", "exportAction", "supervisorAction")


def _action(window: Any, menu: QMenu, text: str, slot: Callable[[], object], shortcut: Shortcut) -> QAction:
    key, name = shortcut
    action = QAction(text, window, objectName=name)
    action.setShortcut(QKeySequence(key))
    action.triggered.connect(lambda *_: slot())
    menu.addAction(action)
    return action


def build_menus(window: Any) -> dict[str, QAction]:
    """File, Export, Jobs, View and Help menus on `window` (a MainWindow); the actions by objectName.

    The slots are looked up when triggered: the parts they belong to are attached after the menus exist."""
    bar = window.menuBar()
    file_menu, export_menu = bar.addMenu("&File"), bar.addMenu("&Export")
    jobs_menu, view_menu = bar.addMenu("&Jobs"), bar.addMenu("&View")
    std = QKeySequence.StandardKey
    made = [
        _action(
            window,
            file_menu,
            "&Add server…",
            lambda: window.server_actions.add(),  # noqa: PLW0108 - made after the menus
            ("Ctrl+N", "addServerAction"),
        ),
        _action(
            window,
            file_menu,
            "&Open evidence folder…",
            lambda: window.open_evidence_folder(),  # noqa: PLW0108 - needs the attached parts
            ("Ctrl+O", "openEvidenceAction"),
        ),
        _action(window, file_menu, "&Quit", window.close, (std.Quit, "quitAction")),
        _action(
            window,
            export_menu,
            "&Export selected cameras…",
            lambda: window.export_flow.start(),  # noqa: PLW0108 - made after the menus
            ("Ctrl+E", "exportAction"),
        ),
        _action(window, view_menu, "&Find camera", window.find_camera, (std.Find, "findCameraAction")),
        _action(
            window,
            view_menu,
            "&Supervisor board",
            window.show_supervisor,
            ("Ctrl+Shift+B", "supervisorAction"),
        ),
    ]
    file_menu.insertSeparator(made[2])
    # The job actions act on the job list's selection: their shortcuts work while the list has the focus.
    for name in ("preview", "open", "copy", None, "cancel", "retry", "remove"):
        if name is None:
            jobs_menu.addSeparator()
        else:
            jobs_menu.addAction(window.job_dock.actions_by_name[name])
    view_menu.addSeparator()
    timeline = window.centre.timeline
    # Single keys act only while the timeline has the focus (anywhere else they are typing); the menu
    # items work from anywhere.
    for text, slot, shortcut in (
        ("&Zoom timeline to selection", timeline.zoom_to_selection, ("Z", "zoomSelectionAction")),
        ("&Fit timeline to recordings", timeline.fit, ("Home", "fitTimelineAction")),
    ):
        action = _action(window, view_menu, text, slot, shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        timeline.addAction(action)
    view_menu.addSeparator()
    view_menu.addAction(window.job_dock.toggleViewAction())
    help_menu = bar.addMenu("&Help")
    help_menu.addAction("&About vms_desk", lambda: about(window))
    for action in made:
        window.addAction(action)  # window-wide shortcuts, also while a menu bar is native or hidden
    return {a.objectName(): a for a in [*made, *timeline.actions()]}


def set_tab_order(window: Any) -> None:
    """Left to right, top to bottom: sources, span fields and actions, timeline, preview, jobs."""
    chain: list[QWidget] = [
        window.sources.filter,
        window.sources.tree,
        window.sources.add_button,
        *window.centre.focus_chain(),
        *window.job_dock.focus_chain(),
    ]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)


def about(window: QWidget) -> QMessageBox:
    """The About box (non-modal: open(), never exec())."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "About vms_desk",
        f"vms_desk {__version__}\nExports video evidence from video management systems.",
        QMessageBox.StandardButton.Ok,
        window,
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
