"""The source panel's filter box over a real tree view: expansion, selection and the collapsed servers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from vms_desk.core.models import Camera, ServerConfig, Vendor
from vms_desk.ui.sources.source_model import SourceModel
from vms_desk.ui.sources.source_tree import SourcePanel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen


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
    return [i.data() for i in proxy.shown_servers() if panel.tree.isExpanded(i)]


def test_new_cameras_appear_expanded(qtbot):
    _model, panel = _panel(qtbot)
    assert len(_expanded(panel)) == 2


def test_typing_filters_and_expands_every_shown_server(qtbot):
    _model, panel = _panel(qtbot)
    panel.tree.collapse(panel.proxy.shown_servers()[1])
    QTest.keyClicks(panel.filter, "entr")
    shown = [(s.data(), panel.proxy.rowCount(s)) for s in panel.proxy.shown_servers()]
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
