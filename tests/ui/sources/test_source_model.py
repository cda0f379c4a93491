"""The source tree model: structure checked by qtmodeltester, filtering, status and roles."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from vms_desk.core.models import Camera, ServerConfig, Vendor
from vms_desk.ui.sources.source_filter import SourceFilterProxy
from vms_desk.ui.sources.source_model import (
    CameraIdRole,
    KindRole,
    ServerIdRole,
    ServerStatus,
    SourceModel,
    StatusRole,
)


def _config(name: str, vendor: Vendor = Vendor.AXXON_ONE) -> ServerConfig:
    return ServerConfig(vendor=vendor, url="http://127.0.0.1:1", user="demo", name=name)


def _cams(*names: str) -> list[Camera]:
    return [Camera(id=f"cam/{i}", name=n) for i, n in enumerate(names)]


def _filled() -> SourceModel:
    model = SourceModel()
    model.add_server("a", _config("Site A"))
    model.add_server("b", _config("Site B", Vendor.AXIS))
    model.set_cameras("a", _cams("Entrance", "Parking Lot", "Cash Desk 1"))
    model.set_cameras("b", [Camera(id="1", name="Door", exportable=False)])
    return model


def test_model_passes_qtmodeltester_while_changing(qtmodeltester):
    model = SourceModel()
    qtmodeltester.check(model, force_py=True)
    model.add_server("a", _config("Site A"))
    model.set_cameras("a", _cams("Entrance", "Parking Lot"))
    model.add_server("b", _config("Site B"))
    model.set_status("a", ServerStatus.ONLINE)
    model.set_cameras("a", _cams("Entrance"))
    model.remove_server("a")
    model.set_cameras("b", _cams("X", "Y", "Z"))
    qtmodeltester.check(model, force_py=True)


def test_proxy_passes_qtmodeltester(qtmodeltester):
    proxy = SourceFilterProxy()
    proxy.setSourceModel(_filled())
    proxy.setFilterFixedString("park")
    qtmodeltester.check(proxy, force_py=True)


def test_structure_and_roles():
    model = _filled()
    assert model.rowCount() == 2
    server = model.index(0, 0)
    assert model.data(server, KindRole) == "server"
    assert model.data(server, ServerIdRole) == "a"
    assert model.data(server, StatusRole) is ServerStatus.CONNECTING
    assert "connecting" in model.data(server)
    camera = model.index(1, 0, server)
    assert model.data(camera) == "Parking Lot"
    assert model.data(camera, KindRole) == "camera"
    assert model.data(camera, CameraIdRole) == "cam/1"
    assert model.parent(camera) == server
    assert model.rowCount(camera) == 0
    assert model.camera_index("a", "cam/2").row() == 2
    assert not model.camera_index("a", "nope").isValid()


def test_status_sentence_in_tooltip_and_camera_count_when_online():
    model = _filled()
    model.set_status("b", ServerStatus.AUTH_FAILED, "The server refused the user name or password.")
    model.set_status("a", ServerStatus.ONLINE)
    b = model.server_index("b")
    assert "auth failed" in model.data(b)
    assert "refused the user name" in model.data(b, Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.server_index("a")) == "Site A"
    assert "3 cameras" in model.data(model.server_index("a"), Qt.ItemDataRole.ToolTipRole)
    assert model.data(b, Qt.ItemDataRole.DecorationRole) is not None


def test_camera_without_export_permission_is_not_selectable():
    model = _filled()
    door = model.camera_index("b", "1")
    assert not model.flags(door) & Qt.ItemFlag.ItemIsSelectable
    assert "no export permission" in model.data(door)
    assert model.flags(model.camera_index("a", "cam/0")) & Qt.ItemFlag.ItemIsSelectable


def test_filter_is_case_insensitive_and_recursive():
    proxy = SourceFilterProxy()
    proxy.setSourceModel(_filled())
    proxy.setFilterFixedString("PARK")
    assert proxy.rowCount() == 1  # Site A kept because a camera matches
    server = proxy.index(0, 0)
    assert proxy.rowCount(server) == 1
    assert proxy.data(proxy.index(0, 0, server)) == "Parking Lot"
    proxy.setFilterFixedString("site b")  # a server match keeps its cameras
    assert proxy.rowCount() == 1
    assert proxy.rowCount(proxy.index(0, 0)) == 1
    proxy.setFilterFixedString("nothing like this")
    assert proxy.rowCount() == 0
    proxy.setFilterFixedString("")
    assert proxy.rowCount(QModelIndex()) == 2


def test_proxy_passes_qtmodeltester_while_the_source_changes_under_a_filter(qtmodeltester):
    model = _filled()
    proxy = SourceFilterProxy()
    proxy.setSourceModel(model)
    proxy.setFilterFixedString("e")
    qtmodeltester.check(proxy, force_py=True)
    model.set_cameras("a", _cams("Gate", "Reception", "Roof"))
    model.add_server("c", _config("Depot"))
    model.set_status("b", ServerStatus.ONLINE)
    model.remove_server("a")
    proxy.setFilterFixedString("dep")
    model.set_cameras("c", _cams("Yard"))
    proxy.setFilterFixedString("")
    assert [proxy.index(r, 0).data(ServerIdRole) for r in range(proxy.rowCount())] == ["b", "c"]


def test_parent_of_a_camera_follows_its_server_when_rows_above_go():
    model = _filled()
    model.add_server("c", _config("Site C"))
    model.set_cameras("c", _cams("Yard", "Gate"))
    model.remove_server("a")
    gate = model.camera_index("c", "cam/1")
    assert model.parent(gate) == model.server_index("c")
    assert model.parent(gate).row() == 1
    assert model.server_row("b") == 0


def test_filter_maps_rows_to_the_source_and_back():
    model = _filled()
    proxy = SourceFilterProxy()
    proxy.setSourceModel(model)
    proxy.setFilterFixedString("cash")
    cash = proxy.mapFromSource(model.camera_index("a", "cam/2"))
    assert (cash.row(), cash.data()) == (0, "Cash Desk 1")
    assert proxy.mapToSource(cash) == model.camera_index("a", "cam/2")
    assert proxy.camera_at(cash) == ("a", model.server("a").cameras[2])
    assert proxy.camera_at(cash.parent()) is None
    assert proxy.mapToSource(cash.parent()) == model.server_index("a")
    assert not proxy.mapFromSource(model.camera_index("a", "cam/0")).isValid()  # filtered out
    assert not proxy.mapFromSource(model.server_index("b")).isValid()
    proxy.setFilterFixedString("site a")  # the whole server: rows are the source's again
    assert proxy.mapFromSource(model.camera_index("a", "cam/2")).row() == 2


def _row_signals(proxy: SourceFilterProxy) -> list[tuple[str, bool]]:
    """Every row/layout/reset signal of the proxy as (kind, under a server)."""
    seen: list[tuple[str, bool]] = []
    proxy.rowsInserted.connect(lambda parent, *_: seen.append(("inserted", parent.isValid())))
    proxy.rowsRemoved.connect(lambda parent, *_: seen.append(("removed", parent.isValid())))
    proxy.layoutChanged.connect(lambda *_: seen.append(("layout", False)))
    proxy.modelReset.connect(lambda: seen.append(("reset", False)))
    return seen


def test_a_filter_that_shows_the_same_rows_changes_nothing():
    proxy = SourceFilterProxy()
    proxy.setSourceModel(_filled())
    seen = _row_signals(proxy)
    proxy.setFilterFixedString("site")  # every server matches: every row stays
    assert seen == []
    proxy.setFilterFixedString("park")
    assert seen
    assert proxy.rowCount(proxy.index(0, 0)) == 1


def test_a_server_shown_whole_again_comes_back_as_one_row_not_camera_by_camera():
    model = SourceModel()
    model.add_server("a", _config("Site A"))
    model.set_cameras("a", _cams(*(f"Camera {i}" for i in range(50))))
    proxy = SourceFilterProxy()
    proxy.setSourceModel(model)
    proxy.setFilterFixedString("camera 1")  # 1, 10..19: the server shows part of its cameras
    assert proxy.rowCount(proxy.index(0, 0)) == 11
    seen = _row_signals(proxy)
    proxy.setFilterFixedString("")
    assert proxy.rowCount(proxy.index(0, 0)) == 50
    assert seen == [("removed", False), ("inserted", False)]  # the server's row swapped for its full copy


def test_the_view_model_answers_views_without_python():
    # A tree view calls these per visible row on every re-layout; any of them written in Python makes
    # a keystroke that brings 10,000 cameras back cost tens of milliseconds of Python.
    view_calls = ("index", "parent", "sibling", "rowCount", "columnCount", "hasChildren", "data", "flags")
    overridden = {
        name
        for cls in SourceFilterProxy.__mro__
        if cls.__module__.startswith("vms_desk")
        for name in vars(cls)
    }
    assert overridden.isdisjoint(view_calls)


def test_status_change_refilters_a_server_matched_by_its_status_text():
    model = _filled()
    proxy = SourceFilterProxy()
    proxy.setSourceModel(model)
    proxy.setFilterFixedString("unreachable")
    assert proxy.rowCount() == 0
    model.set_status("b", ServerStatus.UNREACHABLE)
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data(ServerIdRole) == "b"
