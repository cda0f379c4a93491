"""The main window composed like the app: object names, servers and cameras, recordings on the
timeline, jobs surviving a restart, window state, and the crash dialog."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QDockWidget,
    QLineEdit,
    QPushButton,
    QTableView,
    QTreeView,
    QWidget,
)

from vms_desk.app import compose
from vms_desk.core.export import ExportRequest
from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.ui.jobs.model import COL_CAMERA, COL_STATE
from vms_desk.ui.shell.crash import CrashDialog, CrashHandler, scrub
from vms_desk.ui.sources.source_model import ServerStatus, StatusRole

# Windows and dialogs shown on the offscreen platform make it say it cannot size or raise native
# windows; that is all it says, and it is no fault of the code under test.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _seed_job(home: Path, state: JobState, options: dict | None = None) -> str:
    store = JobStore(home / "jobs.sqlite3")
    now = datetime.now(UTC)
    span = TimeSpan(start=now - timedelta(hours=1), end=now - timedelta(minutes=55))
    record = JobRecord(
        id=uuid.uuid4().hex,
        created=now,
        updated=now,
        state=JobState.QUEUED,
        server=ServerConfig(vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:9", user="demo"),
        camera_id="cam1",
        camera_name="Entrance",
        request=ExportRequest(camera_id="cam1", span=span, format="mp4", options=options or {}),
        out_dir=home / "evidence",
    )
    store.add(record)
    if state is not JobState.QUEUED:
        store.move(record.id, JobState.SUBMITTING)
        store.move(
            record.id, state, error="The server refused the export." if state is JobState.FAILED else ""
        )
    return record.id


@pytest.mark.asyncio
async def test_window_composes_with_object_names(gui):
    window = gui.window
    for name, kind in (
        ("sourceTree", QTreeView),
        ("sourceFilter", QLineEdit),
        ("timeline", QWidget),
        ("exportButton", QPushButton),
        ("jobDock", QDockWidget),
        ("jobView", QTableView),
        ("startEdit", QWidget),
        ("endEdit", QWidget),
    ):
        assert window.findChild(kind, name) is not None, name
    assert window.findChild(QPushButton, "exportButton").isEnabled() is False  # nothing selected yet
    assert window.statusBar() is not None


@pytest.mark.asyncio
async def test_server_cameras_and_recordings_reach_tree_and_timeline(gui, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE, password="pw-station-7")
    window = gui.window
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo", name="Station"), "pw-station-7"
    )
    await window.connections.wait_idle()
    model = window.source_model
    assert model.data(model.server_index(server_id), StatusRole) is ServerStatus.ONLINE
    node = model.server(server_id)
    assert [c.name for c in node.cameras][:2] == ["Entrance", "Parking Lot"]
    assert gui.workstation.servers.password(server_id) == "pw-station-7"
    assert "pw-station-7" not in gui.workstation.servers.path.read_text()

    assert window.sources.select_camera(server_id, node.cameras[0].id)
    assert window.sources.select_camera(server_id, node.cameras[1].id, add=True)
    await window.recordings.wait_loaded()
    rows = window.centre.timeline.rows()
    assert [r.label for r in rows] == ["Entrance", "Parking Lot"]
    assert all(r.recordings is not None and r.recordings.known and r.recordings.spans for r in rows)
    assert window.centre.title.text() == "2 cameras"

    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
    window.centre.set_span(TimeSpan(start=end - timedelta(minutes=1), end=end))
    assert window.findChild(QPushButton, "exportButton").isEnabled()

    window.sources.filter.setText("parking")
    assert window.sources.proxy.rowCount() == 1
    window.sources.filter.clear()
    window.server_actions.remove_now(server_id)
    await window.tasks.wait()
    assert model.rowCount() == 0
    assert gui.workstation.servers.password(server_id) is None


@pytest.mark.asyncio
async def test_add_server_through_the_dialog(gui, sim_factory, memory_keyring):
    sim = sim_factory(Vendor.AXXON_ONE)
    window = gui.window
    dialog = window.server_actions.add()
    assert dialog.isVisible()
    assert dialog.vendor.findData(Vendor.AXXON_ONE) >= 0
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(Vendor.AXXON_ONE))
    dialog.url.setText(sim.url)
    dialog.user.setText("demo")
    dialog.password.setText("demo")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    await window.connections.wait_idle()
    [saved] = gui.workstation.servers.servers()
    assert saved.config.url == sim.url
    assert memory_keyring.items == {("vms_desk", saved.id): "demo"}
    index = window.source_model.server_index(saved.id)
    assert window.source_model.data(index, StatusRole) is ServerStatus.ONLINE
    assert window.sources_summary.text() == "1 of 1 servers online · 4 cameras"


@pytest.mark.asyncio
async def test_wrong_password_shows_auth_failed_in_words(gui, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE)
    window = gui.window
    server_id = window.server_actions.add_server(
        ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo"), "wrong"
    )
    await window.connections.wait_idle()
    index = window.source_model.server_index(server_id)
    assert window.source_model.data(index, StatusRole) is ServerStatus.AUTH_FAILED
    assert "auth failed" in window.source_model.data(index)
    assert "password" in window.status_text.text()


@pytest.mark.asyncio
async def test_jobs_from_the_store_survive_a_restart(home, http, memory_keyring, qtbot):
    done = _seed_job(home, JobState.FAILED)
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        parts.window.start()
        model = parts.window.job_model
        assert model.rowCount() == 1
        assert model.data(model.index(0, COL_CAMERA)) == "Entrance (mp4)"
        assert model.data(model.index(0, COL_STATE)) == "Failed"
        assert parts.window.findChild(QTableView, "jobView").model().rowCount() == 1
    finally:
        await parts.aclose()
        parts.dispose()
    assert done


@pytest.mark.asyncio
async def test_retry_asks_again_for_a_secret_that_was_never_stored(home, http, memory_keyring):
    job_id = _seed_job(home, JobState.FAILED, {"password": "***"})
    parts = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        parts.start()
        seen: list[JobRecord] = []
        parts.workstation.engine.add_listener(seen.append)
        ask = parts.window.retry_job(job_id)
        assert ask is not None
        assert "password" in ask.labelText()
        assert ask.textEchoMode() == QLineEdit.EchoMode.Password
        ask.setTextValue("zip-secret")
        ask.accept()
        await parts.window.tasks.wait()
        assert seen[0].state is JobState.QUEUED
        assert seen[0].request.options == {"password": "***"}  # the store still has no secret
        assert parts.workstation.engine._secrets.get(job_id) == {"password": "zip-secret"}
    finally:
        await parts.aclose()
        parts.dispose()


@pytest.mark.asyncio
async def test_window_state_is_saved_and_restored(home, http, memory_keyring, qtbot):
    first = compose(home=home, http=http, out_dir=home / "evidence")
    first.window.start()
    first.window.resize(700, 500)  # smaller than the offscreen screen, or restoring clamps it
    first.window.job_dock.setFloating(True)
    first.window.save_state()
    await first.aclose()
    first.dispose()
    second = compose(home=home, http=http, out_dir=home / "evidence")
    try:
        second.window.start(restore=True)
        assert second.window.job_dock.isFloating()
        assert second.window.size().width() == 700
    finally:
        await second.aclose()
        second.dispose()


def test_crash_handler_shows_a_scrubbed_report(qtbot):
    handler = CrashHandler()
    reports: list[str] = []
    handler.crashed.connect(reports.append)
    try:
        raise RuntimeError("login failed for http://admin:hunter2@10.0.0.1/ with password=hunter2")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    with qtbot.waitSignal(handler.crashed):
        handler.excepthook(exc_type, exc, tb)
    [report] = reports
    assert "RuntimeError" in report
    assert "hunter2" not in report
    assert "test_main_window.py" in report
    [dialog] = handler.dialogs
    assert isinstance(dialog, CrashDialog)
    assert dialog.isVisible()
    assert dialog.text.toPlainText() == report
    dialog.copy()
    assert QApplication.clipboard().text() == report
    dialog.close()
    assert handler.dialogs == []


@pytest.mark.asyncio
async def test_asyncio_task_errors_reach_the_crash_handler(qtbot):
    handler = CrashHandler(show_dialog=False)
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    handler.install(loop)
    try:

        async def broken() -> None:
            raise ValueError("token=abcdef123456 went wrong")

        task = loop.create_task(broken())
        await asyncio.sleep(0)
        del task  # never awaited: the loop reports it when the task is collected
        import gc

        gc.collect()
        await asyncio.sleep(0)
        assert handler.reports
        assert "ValueError" in handler.reports[0]
        assert "abcdef123456" not in handler.reports[0]
    finally:
        handler.uninstall()
        loop.set_exception_handler(previous)


def test_scrub_hides_credentials():
    text = scrub('Authorization: Basic ZGVtbzpkZW1v {"password": "x1"} https://u:p@host/ token=abc')
    assert "ZGVtbzpkZW1v" not in text
    assert "x1" not in text
    assert "u:p@" not in text
    assert "abc" not in text


@pytest.mark.asyncio
async def test_evidence_browser_lists_files_with_their_verification(tmp_path, qtbot):
    from vms_desk.evidence.hashing import sha256_file
    from vms_desk.evidence.manifest import (
        Actual,
        Manifest,
        ManifestFile,
        Requested,
        Source,
        write_manifest,
    )
    from vms_desk.ui.evidence.browser import EvidenceBrowser
    from vms_desk.workstation.tasks import TaskSet

    folder = tmp_path / "case-1" / "20261120T130500Z_Entrance_abcd1234"
    folder.mkdir(parents=True)
    (folder / "a.mkv").write_bytes(b"video" * 100)
    (folder / "b.jpg").write_bytes(b"jpeg" * 10)
    files = []
    for name in ("a.mkv", "b.jpg"):
        size, digest = sha256_file(folder / name)
        files.append(ManifestFile(name=name, size=size, sha256=digest))
    now = datetime.now(UTC)
    write_manifest(
        folder,
        Manifest(
            created=now,
            case="case-1",
            operator="tester",
            workstation="ws",
            source=Source(
                vendor="axxon-one", url="http://127.0.0.1:1", camera_id="c1", camera_name="Entrance"
            ),
            requested=Requested(start=now - timedelta(minutes=1), end=now, format="mkv"),
            actual=Actual(),
            vendor_export_id=None,
            files=tuple(files),
            events=(),
        ),
    )
    (folder / "b.jpg").write_bytes(b"tampered")
    (folder / "snapshots").mkdir()
    (folder / "snapshots" / "a_snapshot_000001200ms.png").write_bytes(b"\x89PNG not hashed")
    errors: list = []
    browser = EvidenceBrowser(tmp_path, TaskSet(errors.append))
    qtbot.addWidget(browser)
    report = await browser.load()
    assert not report.ok
    assert browser.headline.text().endswith("1 export, 2 files: 1 file does not match.")
    top = browser.tree.topLevelItem(0)
    assert top.text(0).startswith("Entrance — ")
    assert top.text(0).endswith("(mkv) · case case-1")
    statuses = {top.child(i).text(0): top.child(i).text(1) for i in range(top.childCount())}
    assert statuses == {
        "a.mkv": "matches",
        "b.jpg": "CHANGED since export",
        # A player snapshot beside the export is listed, and said to be outside the manifest.
        "snapshots/a_snapshot_000001200ms.png": "player snapshot, not in the manifest",
    }
    opened: list = []
    browser.previewRequested.connect(opened.append)
    browser.tree.setCurrentItem(top.child(0))
    assert browser.preview_button.isEnabled()
    browser.preview_button.click()
    assert opened == [folder / "a.mkv"]
    await browser.tasks.wait()
    assert errors == []


@pytest.mark.asyncio
async def test_a_span_outside_the_view_is_brought_into_view(gui):
    centre = gui.window.centre
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    span = TimeSpan(start=start, end=start + timedelta(minutes=10))
    centre.set_span(span)
    view_start, view_end = centre.timeline.view()
    assert view_start <= span.start
    assert span.end <= view_end
    assert view_end - view_start < timedelta(hours=1)
    assert centre.span() == span
    assert gui.window.findChild(QPushButton, "exportButton").isEnabled() is False  # no camera yet
