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
from collections.abc import Sequence
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
        self.workstation.engine.start()
        self.resuming = asyncio.get_running_loop().create_task(
            self.workstation.engine.resume_interrupted(), name="resume-interrupted"
        )

    async def aclose(self) -> None:
        """Stop the engine (running jobs become resumable), log out, close the HTTP client."""
        if self.resuming is not None:
            await asyncio.gather(self.resuming, return_exceptions=True)
        await self.workstation.engine.stop()
        await self.window.shutdown()
        await self.workstation.aclose()

    def dispose(self) -> None:
        """Close the window and delete it now, on this (the GUI) thread (tests build many windows)."""
        import shiboken6

        if shiboken6.isValid(self.window):
            self.window.close()
            shiboken6.delete(self.window)


def compose(
    *,
    home: Path,
    http: httpx.AsyncClient | None = None,
    vault: PasswordVault | None = None,
    out_dir: Path | None = None,
) -> Composition:
    """Open the Workstation for VMS_DESK_HOME `home` and build the main window over it (`out_dir`
    overrides where evidence goes by default)."""
    from PySide6.QtCore import QSettings

    from vms_desk.ui.shell.main_window import MainWindow
    from vms_desk.workstation.root import Workstation

    workstation = Workstation.open(home, vault=vault, http=http)
    settings = QSettings(str(home / "gui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workstation=workstation, settings=settings, out_dir=out_dir)
    return Composition(workstation, window, settings)


class App:
    """One run of the GUI: compose, show, wait for the window to close (or take the screenshot)."""

    def __init__(self, *, demo: bool, screenshot: Path | None) -> None:
        self.demo = demo
        self.screenshot = screenshot
        self.window: MainWindow | None = None
        self.demo_servers: DemoServers | None = None

    async def run(self) -> int:
        """The whole session; returns the exit status."""
        from vms_desk.core.errors import VmsDeskError
        from vms_desk.paths import home_dir

        try:
            parts = compose(home=home_dir(create=True))
        except VmsDeskError as exc:
            # Most often a team store that cannot be reached or refuses this workstation: one sentence,
            # on stderr for scripts and in a box for the user, then out (nothing was started).
            print(f"error: {exc}", file=sys.stderr)
            if self.screenshot is None:
                await _tell_refusal(f"vms_desk cannot start. {exc}")
            return 1
        window = self.window = parts.window
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closed.connect(lambda: closed.done() or closed.set_result(None))
        try:
            parts.start(restore=self.screenshot is None)
            # The window first: the demo simulators take a while to start, and the tree fills as
            # their servers come online.
            window.show()
            _close_on_signals(window)
            for notice in parts.workstation.notices:
                window.show_notice(notice)
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


async def _tell_refusal(text: str) -> None:
    """A message box with `text`, awaited without a nested event loop."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, text, QMessageBox.StandardButton.Close)
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
    """
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread, or not allowed here
                signal.signal(number, lambda *_: window.close())


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
    if single is not None and not single.claim():
        print(single.refusal, file=sys.stderr)
        return 0
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = App(demo=demo, screenshot=screenshot)
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
