"""The source panel's filter box over a real tree view: expansion, selection and the collapsed servers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from vms_desk.core.models import Camera, ServerConfig, Vendor
from vms_desk.ui.sources.source_model import ServerIdRole, ServerStatus, SourceModel
from vms_desk.ui.sources.source_tree import SourcePanel

pytestmark = pytest.mark.qt_log_ignore(  # offscreen
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


def _panel(qtbot) -> tuple[SourceModel, SourcePanel]:
    model = SourceModel()
    panel = SourcePanel(model)
    qtbot.addWidget(panel)
    for sid, name, cams in (("a", "North", ("Entrance", "Yard")), ("b", "South", ("Gate", "Entrance Hall"))):
        model.add_server(sid, ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:1", name=name))
        model.set_cameras(sid, [Camera(id=f"{sid}{i}", name=n) for i, n in enumerate(cams)])
    panel.show()
    qtbot.waitExposed(panel)
    return model, panel


def _expanded(panel: SourcePanel) -> list[str]:
    proxy = panel.proxy
    return [i.data(ServerIdRole) for i in proxy.shown_servers() if panel.tree.isExpanded(i)]


def test_new_cameras_appear_expanded(qtbot):
    _model, panel = _panel(qtbot)
    assert len(_expanded(panel)) == 2


def test_typing_filters_and_expands_every_shown_server(qtbot):
    _model, panel = _panel(qtbot)
    panel.tree.collapse(panel.proxy.shown_servers()[1])
    QTest.keyClicks(panel.filter, "entr")
    shown = [(s.data(ServerIdRole), panel.proxy.rowCount(s)) for s in panel.proxy.shown_servers()]
    assert [n for n, _c in shown] == _expanded(panel)
    assert [c for _n, c in shown] == [1, 1]
    # Clearing the filter leaves the server the user had collapsed collapsed.
    for _ in range(4):
        QTest.keyClick(panel.filter, Qt.Key.Key_Backspace)
    assert panel.filter.text() == ""
    assert len(_expanded(panel)) == 1


def test_a_selected_camera_stays_selected_while_it_matches(qtbot):
    _model, panel = _panel(qtbot)
    assert panel.select_camera("b", "b1")
    QTest.keyClicks(panel.filter, "hall")
    assert [ref.camera.id for ref in panel.selected_cameras()] == ["b1"]
    QTest.keyClicks(panel.filter, "x")  # nothing matches "hallx": the selection goes
    assert panel.selected_cameras() == []


def test_a_server_match_shows_all_its_cameras_expanded(qtbot):
    _model, panel = _panel(qtbot)
    QTest.keyClicks(panel.filter, "SOUTH")
    [south] = panel.proxy.shown_servers()
    assert [south.data(ServerIdRole), panel.proxy.rowCount(south)] == ["b", 2]
    assert panel.tree.isExpanded(south)


def test_the_selection_survives_a_server_row_swapped_both_ways_and_is_reported_once(qtbot):
    _model, panel = _panel(qtbot)
    reports: list[list[str]] = []
    panel.camerasSelected.connect(lambda refs: reports.append([r.camera.id for r in refs]))
    assert panel.select_camera("b", "b1")
    assert panel.select_camera("a", "a0", add=True)
    assert reports[-1] == ["a0", "b1"]
    reports.clear()
    QTest.keyClicks(panel.filter, "hall")  # South: every camera -> part of them; North: hidden
    assert [r.camera.id for r in panel.selected_cameras()] == ["b1"]
    QTest.keyClick(panel.filter, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(panel.filter, "south")  # South matches itself: back to every camera, "b1" still selected
    assert [r.camera.id for r in panel.selected_cameras()] == ["b1"]
    assert reports == [["b1"]]  # North's camera went once; the swaps themselves reported nothing
    QTest.keyClicks(panel.filter, "x")
    assert panel.selected_cameras() == []
    assert reports == [["b1"], []]


def test_status_changes_show_in_the_tree(qtbot):
    model, panel = _panel(qtbot)
    model.set_status("a", ServerStatus.AUTH_FAILED, "The server refused the user name or password.")
    north = panel.proxy.shown_servers()[0]
    assert north.data() == "North — auth failed"
    assert north.data(Qt.ItemDataRole.ForegroundRole) is not None
    model.set_status("a", ServerStatus.ONLINE)
    assert north.data() == "North"
    assert north.data(Qt.ItemDataRole.DecorationRole) is not None


def test_new_servers_expand_and_a_server_the_user_collapsed_stays_collapsed_on_refresh(qtbot):
    model, panel = _panel(qtbot)
    panel.tree.collapse(panel.proxy.shown_servers()[0])
    model.set_cameras("a", [Camera(id="a9", name="Roof")])  # refreshed: a new row, still collapsed
    model.add_server("c", ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:1", name="East"))
    model.set_cameras("c", [Camera(id="c0", name="Dock")])
    assert _expanded(panel) == ["b", "c"]


def test_camera_rows_show_the_source_tooltip_and_their_server_menu(qtbot):
    _model, panel = _panel(qtbot)
    yard = panel.proxy.index(1, 0, panel.proxy.shown_servers()[0])
    rect = panel.tree.visualRect(yard)
    viewport = panel.tree.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), viewport.mapToGlobal(rect.center()))
    QApplication.sendEvent(viewport, event)
    assert "Id: a1" in QToolTip.text()
    QToolTip.hideText()
    assert panel._server_at(yard) == "a"


def test_a_selected_server_row_and_the_current_row_survive_a_swap(qtbot):
    _model, panel = _panel(qtbot)
    south = panel.proxy.shown_servers()[1]
    hall = panel.proxy.index(1, 0, south)
    selection = panel.tree.selectionModel()
    flags = selection.SelectionFlag
    selection.select(south, flags.Select | flags.Rows)
    selection.setCurrentIndex(hall, flags.Select | flags.Rows)
    QTest.keyClicks(panel.filter, "hall")  # South's row swapped for the copy holding "Entrance Hall" only
    [south] = panel.proxy.shown_servers()
    assert south.data(ServerIdRole) == "b"
    assert selection.isRowSelected(0, south.parent())
    assert selection.currentIndex() == panel.proxy.index(0, 0, south)
    assert [r.camera.id for r in panel.selected_cameras()] == ["b1"]
