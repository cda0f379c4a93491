"""The source tree model: structure checked by qtmodeltester, filtering, status and roles."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from vms_desk.core.models import Camera, ServerConfig, Vendor
from vms_desk.ui.sources.source_model import (
    CameraIdRole,
    KindRole,
    ServerIdRole,
    ServerStatus,
    SourceFilterProxy,
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
