"""The GUI composition root: QApplication on a qasync loop, HTTP client, job store and engine, the window.

`run_gui(demo=..., screenshot=...)` is what `vms-desk gui` calls. Demo mode starts the built-in
simulators in this process and adds them as (unsaved) servers; screenshot mode saves a PNG of the
main window once the demo cameras and their recordings are shown, then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import importlib.util
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vms_desk import APP_NAME, __version__
from vms_desk.core.errors import VmsDeskError

log = logging.getLogger(__name__)

DEMO_USER = DEMO_PASSWORD = "demo"  # noqa: S105 - the simulators' documented demo account
SCREENSHOT_TIMEOUT = 90.0  # seconds for the demo servers to list cameras and recordings


def default_out_dir() -> Path:
    """Where evidence goes by default: VMS_DESK_HOME/evidence when set (tests), else Documents."""
    from platformdirs import user_documents_dir

    from vms_desk.paths import HOME_ENV, home_dir

    if os.environ.get(HOME_ENV):
        return home_dir() / "evidence"
    return Path(user_documents_dir()) / "vms_desk evidence"


@dataclass
class DemoServers:
    """Simulators started for --demo, and the temporary folder their exports are made in."""

    sims: list[Any] = field(default_factory=list)
    workdir: tempfile.TemporaryDirectory[str] | None = None

    def stop(self) -> None:
        """Stop every simulator and remove the work folder."""
        for sim in self.sims:
            with contextlib.suppress(Exception):
                sim.stop()
        if self.workdir is not None:
            self.workdir.cleanup()


def start_demo_sims() -> DemoServers:
    """Start a simulator on a free loopback port for every vendor whose simulator module exists."""
    from vms_desk.core.models import Vendor
    from vms_desk.sim.base import SimState
    from vms_desk.sim.registry import SIM_MODULES, start_sim
    from vms_desk.ui.sources.server_dialog import available_vendors

    demo = DemoServers(workdir=tempfile.TemporaryDirectory(prefix="vms_desk-demo-"))
    clients = set(available_vendors())
    for vendor in Vendor:
        if importlib.util.find_spec(SIM_MODULES[vendor]) is None or vendor not in clients:
            log.info("demo: no %s simulator or client in this build", vendor.display_name)
            continue
        folder = Path(demo.workdir.name) / vendor.value
        folder.mkdir()
        state = SimState(user=DEMO_USER, password=DEMO_PASSWORD, workdir=folder)
        demo.sims.append(start_sim(vendor, port=0, state=state))
    return demo


def setup_logging() -> None:
    """Log to VMS_DESK_HOME/logs/gui.log (never secrets: the code logs sentences and ids only)."""
    from vms_desk.paths import log_dir

    root = logging.getLogger()
    if any(getattr(h, "_vms_desk", False) for h in root.handlers):
        return
    try:
        handler: logging.Handler = logging.FileHandler(log_dir() / "gui.log", encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler._vms_desk = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # httpx logs every request URL at INFO, and some vendors (Axxon PSIM) put credentials or session
    # ids in the query string: those must never reach the log file.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@dataclass
class Composition:
    """Everything one GUI session is made of, wired together (the app and the GUI tests build it)."""

    window: Any
    engine: Any
    store: Any
    servers: Any
    http: Any
    settings: Any
    load_error: VmsDeskError | None = None

    def start(self, *, restore: bool = True) -> None:
        """Load jobs and servers into the window, start the engine, resume interrupted jobs."""
        self.window.start(restore=restore)
        self.engine.start()
        self.engine.resume_interrupted()

    async def aclose(self) -> None:
        """Stop the engine (running jobs become resumable), log out, close the HTTP client."""
        await self.engine.stop()
        await self.window.shutdown()
        await self.http.aclose()

    def dispose(self) -> None:
        """Close the window and delete it now, on this (the GUI) thread (tests build many windows)."""
        import shiboken6

        if shiboken6.isValid(self.window):
            self.window.close()
            shiboken6.delete(self.window)


def compose(
    *, home: Path, http: Any | None = None, out_dir: Path | None = None, vault: Any | None = None
) -> Composition:
    """Build store, server list, engine, settings and the main window for VMS_DESK_HOME `home`."""
    from PySide6.QtCore import QSettings

    from vms_desk.jobs.engine import Engine
    from vms_desk.jobs.store import JobStore
    from vms_desk.ui.shell.main_window import MainWindow
    from vms_desk.vendors.http_client import make_http_client
    from vms_desk.workstation.servers import ServersStore

    home.mkdir(parents=True, exist_ok=True)
    http = http or make_http_client()
    store = JobStore(home / "jobs.sqlite3")
    store.mark_interrupted()
    servers = ServersStore(home, vault)
    load_error: VmsDeskError | None = None
    try:
        servers.load()
    except VmsDeskError as exc:  # a damaged list must not stop the app; the window tells the user
        load_error = exc
    engine = Engine(store, http, servers.credentials)
    settings = QSettings(str(home / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        servers=servers,
        http=http,
        engine=engine,
        settings=settings,
        out_dir=out_dir or default_out_dir(),
        operator=_operator(),
    )
    return Composition(window, engine, store, servers, http, settings, load_error)


class App:
    """One run of the GUI: compose, show, wait for the window to close (or take the screenshot)."""

    def __init__(self, *, demo: bool, screenshot: Path | None) -> None:
        self.demo = demo
        self.screenshot = screenshot
        self.window: Any = None
        self.demo_servers: DemoServers | None = None

    async def run(self) -> int:
        """The whole session; returns the exit status."""
        from vms_desk.paths import store_path

        parts = compose(home=store_path().parent)
        window = self.window = parts.window
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closed.connect(lambda: closed.done() or closed.set_result(None))
        try:
            parts.start(restore=self.screenshot is None)
            # The window first: the demo simulators take a while to start, and the tree fills as
            # their servers come online.
            window.show()
            _close_on_signals(window)
            if parts.load_error is not None:
                window.show_error(parts.load_error)
            if self.demo:
                self.demo_servers = await asyncio.to_thread(start_demo_sims)
                for sim in self.demo_servers.sims:
                    window.add_demo_server(sim.vendor, sim.url, DEMO_USER, DEMO_PASSWORD)
            if self.screenshot is not None:
                return await take_screenshot(window, self.screenshot)
            await closed
            return 0
        finally:
            await parts.aclose()
            if self.demo_servers is not None:
                await asyncio.to_thread(self.demo_servers.stop)


def _close_on_signals(window: Any) -> None:
    """Ctrl+C or a polite kill closes the window like the user would: jobs stop resumably.

    Python runs signal handlers only between bytecodes; the GUI-thread GC timer wakes it twice a second.
    """
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread, or not allowed here
                signal.signal(number, lambda *_: window.close())


def _operator() -> str:
    with contextlib.suppress(Exception):
        return getpass.getuser()
    return ""


async def take_screenshot(window: Any, path: Path) -> int:
    """Wait for the demo cameras and a recording span on the timeline, then save the window as PNG."""
    try:
        await asyncio.wait_for(window.show_demo_view(), SCREENSHOT_TIMEOUT)
    except TimeoutError:
        print(
            f"error: the demo servers did not list cameras and recordings within {SCREENSHOT_TIMEOUT:.0f} s",
            file=sys.stderr,
        )
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):
        print(f"error: could not write the screenshot {path}", file=sys.stderr)
        return 1
    print(f"screenshot saved: {path}")
    return 0


def route_qt_messages() -> None:
    """Send Qt's own warnings to the log file instead of stderr (e.g. offscreen platform notes)."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def run_gui(*, demo: bool, screenshot: Path | None) -> int:
    """Run the GUI until its window closes; the exit status for the process."""
    import qasync
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from vms_desk.ui.shell.crash import CrashHandler
    from vms_desk.ui.shell.gc_guard import GuiThreadGc

    setup_logging()
    route_qt_messages()
    if (
        screenshot is not None
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and sys.platform.startswith("linux")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)  # the App decides when to quit (after the engine stopped)
    icon = Path(__file__).parent / "resources" / "vms_desk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = App(demo=demo, screenshot=screenshot)
    crash = CrashHandler(lambda: runner.window)
    crash.install(loop)
    collector = GuiThreadGc()
    collector.start()
    try:
        with loop:
            return int(loop.run_until_complete(runner.run()))
    finally:
        collector.stop()
        crash.uninstall()
        asyncio.set_event_loop(None)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m vms_desk.app [--demo] [--screenshot FILE]`."""
    parser = argparse.ArgumentParser(prog="vms-desk gui", description="The vms_desk workstation window.")
    parser.add_argument("--demo", action="store_true", help="start the built-in simulators and add them")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="save a PNG of the window once the demo is shown, then exit",
    )
    args = parser.parse_args(argv)
    return run_gui(demo=args.demo, screenshot=args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
