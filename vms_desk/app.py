"""The GUI entry: QApplication on a qasync loop, the Workstation (settings, store, audit log, client pool,
engine: vms_desk.workstation.root, the one composition root the CLI uses too) and the main window.

`run_gui(demo=..., screenshot=...)` is what `vms-desk gui` calls. Demo mode starts the built-in
simulators in this process and adds them as (unsaved) servers; screenshot mode saves a PNG of the
main window once the demo cameras and their recordings are shown, then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vms_desk import APP_NAME, __version__

if TYPE_CHECKING:
    import httpx
    from PySide6.QtCore import QSettings

    from vms_desk.sim.registry import RunningSim
    from vms_desk.ui.shell.main_window import MainWindow
    from vms_desk.workstation.root import Workstation
    from vms_desk.workstation.servers import PasswordVault

log = logging.getLogger(__name__)

DEMO_USER = DEMO_PASSWORD = "demo"  # noqa: S105 - the simulators' documented demo account
SCREENSHOT_TIMEOUT = 90.0  # seconds for the demo servers to list cameras and recordings
PAINT_WAIT = 1.0  # seconds the store's opening waits for the window's first paint at most


@dataclass
class DemoServers:
    """Simulators started for --demo, and the temporary folder their exports are made in."""

    sims: list[RunningSim] = field(default_factory=list)
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
    from vms_desk.sim.base import SimState
    from vms_desk.sim.registry import start_sim
    from vms_desk.workstation.vendors import available_vendors

    demo = DemoServers(workdir=tempfile.TemporaryDirectory(prefix="vms_desk-demo-"))
    for vendor in available_vendors():
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
    """One GUI session: the Workstation and the main window over it (the app and the GUI tests build it)."""

    workstation: Workstation
    window: MainWindow
    settings: QSettings
    resuming: asyncio.Task[object] | None = None

    def start(self, *, restore: bool = True) -> None:
        """Load jobs and servers into the window, start the engine, resume interrupted jobs (in the
        background: the store's calls run on its writer thread)."""
        self.window.start(restore=restore)
        self.workstation.control.start()
        self.resuming = asyncio.get_running_loop().create_task(self._resume(), name="resume-interrupted")

    async def _resume(self) -> object:
        """Resume interrupted jobs; say so when some were taken back from a closed window's engine."""
        from vms_desk.jobs.control import Detachable

        control = self.workstation.control
        resumed = await control.resume_interrupted()
        if isinstance(control, Detachable) and control.took_over:
            count = "1 export" if len(resumed) == 1 else f"{len(resumed)} exports"
            self.window.show_status(
                f"Took back the exports kept running when vms_desk closed: {count} resumed here."
            )
        return resumed

    async def aclose(self) -> None:
        """Stop the engine (running jobs become resumable), or leave its process running them when the
        user chose so on closing; log out, close the HTTP client."""
        from vms_desk.core.errors import VmsDeskError
        from vms_desk.jobs.control import Detachable

        if self.resuming is not None:
            await asyncio.gather(self.resuming, return_exceptions=True)
        control = self.workstation.control
        detached = False
        if self.window.keep_exports and isinstance(control, Detachable):
            try:
                await control.detach(self.workstation.operator)
                detached = True
            except VmsDeskError as exc:
                log.error("could not leave the exports running (%s); stopping them", exc)
        if not detached:
            await control.stop()
        await self.window.shutdown()
        await self.workstation.aclose()

    def dispose(self) -> None:
        """Close the window and delete it now, on this (the GUI) thread (tests build many windows)."""
        import shiboken6

        if shiboken6.isValid(self.window):
            self.window.close_now()
            shiboken6.delete(self.window)


def window_settings(home: Path) -> QSettings:
    """The window's own state (geometry, docks, export choices): gui.ini in the home."""
    from PySide6.QtCore import QSettings

    return QSettings(str(home / "gui.ini"), QSettings.Format.IniFormat)


def open_workstation(
    home: Path,
    *,
    vault: PasswordVault | None = None,
    http: httpx.AsyncClient | None = None,
    engine_process: bool = True,
) -> Workstation:
    """Workstation.open for a window, importing it here: the app calls this on a worker thread, where
    the engine's, the store's and httpx's imports do not hold up the window. With `engine_process`
    (and settings' `engine_process`), the jobs run in a process of their own."""
    from vms_desk.workstation.root import Workstation

    return Workstation.open(home, vault=vault, http=http, window=engine_process)


def compose(
    *,
    home: Path,
    http: httpx.AsyncClient | None = None,
    vault: PasswordVault | None = None,
    out_dir: Path | None = None,
    engine_process: bool = False,
) -> Composition:
    """Open the Workstation for VMS_DESK_HOME `home` and build the main window over it (`out_dir`
    overrides where evidence goes by default): in one go, what the app does in stages (App.run).
    The engine runs in the window's process unless `engine_process` (the app's default) is asked for:
    tests that hand in their own `http` or `vault` need it here, where those are used."""
    from vms_desk.ui.shell.main_window import MainWindow

    workstation = open_workstation(home, vault=vault, http=http, engine_process=engine_process)
    settings = window_settings(home)
    window = MainWindow(settings=settings, out_dir=out_dir)
    window.attach(workstation)
    return Composition(workstation, window, settings)


class App:
    """One run of the GUI: show the window, open the Workstation behind it, attach, wait for the window
    to close (or take the screenshot)."""

    def __init__(
        self, *, demo: bool, screenshot: Path | None, after_paint: Callable[[], None] | None = None
    ) -> None:
        self.demo = demo
        self.screenshot = screenshot
        self.after_paint = after_paint  # what can wait until the window is on screen
        self.window: MainWindow | None = None
        self.demo_servers: DemoServers | None = None

    async def run(self) -> int:
        """The whole session; returns the exit status.

        The window is shown first, empty, with the actions that need the Workstation disabled; the
        Workstation (settings, store and its migrations, audit log, keyring, engine) opens on a worker
        thread once the window has painted, and is attached when it is open."""
        from vms_desk.core.errors import VmsDeskError
        from vms_desk.paths import home_dir
        from vms_desk.ui.shell.main_window import MainWindow

        home = home_dir(create=True)
        settings = window_settings(home)
        window = self.window = MainWindow(settings=settings)
        window.background_allowed = not self.demo  # the demo servers end with the window
        window.lay_out(restore=self.screenshot is None)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closed.connect(lambda: closed.done() or closed.set_result(None))
        _close_on_signals(window)
        window.show()
        # The worker threads start after the first paint: their imports would take the GIL from it.
        await _painted(window)
        opening = asyncio.ensure_future(asyncio.to_thread(open_workstation, home))
        # The demo simulators take a while to start: alongside the store; the tree fills as their
        # servers come online.
        starting = asyncio.ensure_future(asyncio.to_thread(start_demo_sims)) if self.demo else None
        if self.after_paint is not None:
            self.after_paint()
        parts: Composition | None = None
        try:
            # Closing the window meanwhile still waits for the opening (a thread cannot be
            # interrupted), then closes the Workstation again: nothing had started.
            try:
                workstation = await asyncio.shield(opening)
            except VmsDeskError as exc:
                # Most often a team store that cannot be reached or refuses this workstation: one
                # sentence, on stderr for scripts and in a box for the user, then out.
                print(f"error: {exc}", file=sys.stderr)
                if self.screenshot is None and not closed.done():
                    await _tell_refusal(f"vms_desk cannot start. {exc}", window)
                return 1
            parts = Composition(workstation, window, settings)
            if closed.done():
                return 0
            return await self._session(parts, starting, closed)
        finally:
            await self._end(parts, opening, starting)

    async def _session(
        self, parts: Composition, starting: asyncio.Future[DemoServers] | None, closed: asyncio.Future[None]
    ) -> int:
        """Attach the open Workstation, start, add the demo servers; until the window closes (or the
        screenshot is taken)."""
        window = parts.window
        window.attach(parts.workstation)
        parts.start(restore=self.screenshot is None)
        for notice in parts.workstation.notices:
            window.show_notice(notice)
        if starting is not None:
            self.demo_servers = await starting
            for sim in self.demo_servers.sims:
                window.add_demo_server(sim.vendor, sim.url, DEMO_USER, DEMO_PASSWORD)
        if self.screenshot is not None:
            return await take_screenshot(window, self.screenshot)
        await closed
        return 0

    async def _end(
        self,
        parts: Composition | None,
        opening: asyncio.Future[Workstation],
        starting: asyncio.Future[DemoServers] | None,
    ) -> None:
        """Stop what was started: the engine and connections, or a Workstation that opened too late
        to be attached; the demo simulators."""
        assert self.window is not None
        if parts is not None:
            await parts.aclose()
        else:
            await self.window.shutdown()
            with contextlib.suppress(Exception):  # said already (refusal), or the run was cancelled
                await (await opening).aclose()
        if starting is not None and self.demo_servers is None:
            with contextlib.suppress(Exception):
                self.demo_servers = await starting
        if self.demo_servers is not None:
            await asyncio.to_thread(self.demo_servers.stop)
        self.window.hide()


async def _painted(window: MainWindow) -> None:
    """Wait until `window` has been painted once (or PAINT_WAIT seconds, where nothing paints)."""
    from PySide6.QtCore import QEvent, QObject

    painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and not painted.done():
                painted.set_result(None)
            return False

    spy = FirstPaint(window)
    window.installEventFilter(spy)
    try:
        await asyncio.wait_for(painted, PAINT_WAIT)
    except TimeoutError:
        log.info("the window did not report a paint within %.1f s", PAINT_WAIT)
    finally:
        window.removeEventFilter(spy)
        spy.deleteLater()


async def _tell_refusal(text: str, window: MainWindow | None = None) -> None:
    """A message box with `text` (over `window`, when it is shown), awaited without a nested event loop."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, text, QMessageBox.StandardButton.Close, window)
    box.setObjectName("startRefusal")
    box.setInformativeText(
        "Check the network, or ask whoever runs the team store. Which store this workstation uses is "
        "`store_url` in settings.json, or the VMS_DESK_STORE_URL environment variable."
    )
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _: done.done() or done.set_result(None))
    box.open()
    await done


def _close_on_signals(window: MainWindow) -> None:
    """Ctrl+C or a polite kill closes the window like the user would: jobs stop resumably.

    Python runs signal handlers only between bytecodes; the GUI-thread GC timer wakes it twice a second.
    The handler only queues the close: it may interrupt any code of the GUI thread, which must not be
    re-entered halfway (a lock held, a model mid-update).
    """
    from PySide6.QtCore import QTimer

    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread, or not allowed here
                signal.signal(number, lambda *_: QTimer.singleShot(0, window, window.close_now))


async def take_screenshot(window: MainWindow, path: Path) -> int:
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

    from vms_desk.paths import home_dir
    from vms_desk.ui.shell.crash import CrashHandler
    from vms_desk.ui.shell.gc_guard import GuiThreadGc
    from vms_desk.ui.shell.single_instance import SingleInstance, bring_to_front

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
    # One window per data folder (screenshots are automation and skip this); see ui/shell/single_instance.
    single = None if screenshot is not None else SingleInstance(home_dir(create=True))
    if single is not None and not single.claim(listen=False):
        print(single.refusal, file=sys.stderr)
        return 0
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = App(demo=demo, screenshot=screenshot, after_paint=single.listen if single is not None else None)
    if single is not None:
        single.activated.connect(lambda: bring_to_front(runner.window))
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
        if single is not None:
            single.release()


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
