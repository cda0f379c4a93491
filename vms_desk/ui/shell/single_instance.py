"""One GUI per VMS_DESK_HOME: a second start brings the running window to the front and exits.

Two windows on one home would run two engines over one job store and one audit log. A lock file in
the home decides who runs (QLockFile notices a lock left by a crashed process: its PID is gone); the
one that runs listens on a local socket, and a later start only asks it to come to the front.

The app listens only once its window is on screen (`claim(listen=False)`, then `listen()`): QtNetwork
takes a while to load, and a later start keeps asking for RETRY_MS meanwhile.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

LOCK_NAME = "gui.lock"
ACTIVATE = b"activate\n"
CONNECT_MS = 500
# The first instance may hold the lock but not listen yet (it is starting): ask again for this long.
RETRY_MS = 5000
ALREADY_RUNNING = "vms_desk is already running for this data folder: its window was brought to the front."
NOT_ANSWERING = (
    "vms_desk is already running for this data folder but does not answer: close it (or end it in the "
    "task manager) and start vms_desk again."
)


def server_name(home: Path) -> str:
    """The local socket's name: one per user and data folder (named pipes on Windows are global)."""
    who = f"{getpass.getuser()}\n{home.resolve()}".encode()
    return f"vms_desk-{hashlib.sha256(who).hexdigest()[:16]}"


class SingleInstance(QObject):
    """Claims the home for this process, or hands the start over to the process that has it.

    Signals:
        activated(): another start asked this instance to come to the front.
    """

    activated = Signal()

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        home.mkdir(parents=True, exist_ok=True)
        self.name = server_name(home)
        self._lock = QLockFile(str(home / LOCK_NAME))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
        self._server: QLocalServer | None = None
        self.refusal = ""  # after a refused claim: the sentence for the user

    def claim(self, *, listen: bool = True) -> bool:
        """True when this process is the one that runs; False after the running one was told.

        Without `listen`, the caller calls listen() when it is ready to answer later starts."""
        if self._lock.tryLock(0):
            if listen:
                self.listen()
            return True
        if _allow_foreground_switch():
            log.debug("the running instance may take the foreground")
        for _ in range(max(1, RETRY_MS // CONNECT_MS)):
            if self._tell_running_instance():
                log.info("single instance: another vms_desk runs here; asked it to come to the front")
                self.refusal = ALREADY_RUNNING
                return False
            if self._lock.tryLock(0):  # it exited meanwhile
                if listen:
                    self.listen()
                return True
        # The lock is held but nobody answers (it hangs, or quit without its socket): do not start a
        # second engine on the same store; the user is told by the caller.
        log.warning("single instance: %s is locked but no instance answers", LOCK_NAME)
        self.refusal = NOT_ANSWERING
        return False

    def release(self) -> None:
        """Stop listening and unlock (at exit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def listen(self) -> None:
        """Answer later starts on the local socket (after a successful claim)."""
        from PySide6.QtNetwork import QLocalServer

        if self._server is not None:
            return
        QLocalServer.removeServer(self.name)  # a socket file a crashed instance left (Unix)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
            return
        server.newConnection.connect(self._on_connection)
        self._server = server
        log.info("single instance: this vms_desk runs for %s", self.name)

    def _on_connection(self) -> None:
        while self._server is not None and (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_message(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_message(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(ACTIVATE.strip()):
            log.info("single instance: a second start asked for the window")
            self.activated.emit()

    def _tell_running_instance(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        socket.write(ACTIVATE)
        sent = socket.waitForBytesWritten(CONNECT_MS)
        socket.disconnectFromServer()
        return sent


def bring_to_front(window: QWidget | None) -> None:
    """Show the window un-minimised, raised and active (the window manager has the last word)."""
    if window is None:
        return
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def _allow_foreground_switch() -> bool:
    """Windows lets only the foreground process give the foreground away: this (new) process is it."""
    if sys.platform != "win32":
        return False
    import ctypes

    asfw_any = -1
    return bool(ctypes.windll.user32.AllowSetForegroundWindow(asfw_any))
