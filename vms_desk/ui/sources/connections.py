"""Live connections to the user's servers, feeding the source model.

The clients are the Workstation's client pool's (the one the jobs use), so a server trusted by its
certificate fingerprint is pinned here too, and a server is logged in once for listing and exporting.
Every network call is a coroutine on the qasync loop; the status and camera list land in the
SourceModel, failures as a status plus the typed error's sentence.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal

from vms_desk.core.errors import AuthFailed, ConnectionFailed, ServerBusy, TlsError, VmsDeskError
from vms_desk.core.models import Camera, Recordings, ServerConfig, TimeSpan
from vms_desk.core.options import Capabilities
from vms_desk.core.protocol import VendorClient
from vms_desk.jobs.clients import ClientPool
from vms_desk.ui.sources.source_model import ServerStatus, SourceModel

log = logging.getLogger(__name__)


def status_for(error: BaseException) -> ServerStatus:
    """The tree status a connection error shows as."""
    if isinstance(error, AuthFailed):
        return ServerStatus.AUTH_FAILED
    if isinstance(error, ConnectionFailed | ServerBusy | TlsError):
        return ServerStatus.UNREACHABLE
    return ServerStatus.ERROR


class Connections(QObject):
    """Keeps the source model's status and cameras current for each server id, through the pool.

    Signals:
        listed(str): a server's cameras were listed (it is online).
        failed(str, str): a server could not be reached or refused us; the sentence says why.
    """

    listed = Signal(str)
    failed = Signal(str, str)

    def __init__(
        self,
        model: SourceModel,
        clients: ClientPool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.clients = clients
        self._configs: dict[str, ServerConfig] = {}
        self._capabilities: dict[str, Capabilities] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def config(self, server_id: str) -> ServerConfig | None:
        """The config a server was added with."""
        return self._configs.get(server_id)

    def add(self, server_id: str, config: ServerConfig) -> None:
        """Show a server in the tree and start connecting to it (an edited server logs in afresh)."""
        previous = self._configs.get(server_id)
        self._configs[server_id] = config
        self.model.add_server(server_id, config)
        self.refresh(server_id, relogin=previous is not None)

    def refresh(self, server_id: str, *, relogin: bool = False) -> None:
        """List the cameras again in the background (connecting first where needed); `relogin` drops
        the pooled client first (the server's address, user or password changed)."""
        previous = self._tasks.get(server_id)
        if previous is not None and not previous.done():
            previous.cancel()
        self._tasks[server_id] = asyncio.ensure_future(self._connect(server_id, relogin=relogin))

    async def remove(self, server_id: str) -> None:
        """Forget a server: stop its connection attempt, log out, drop it from the tree."""
        task = self._tasks.pop(server_id, None)
        if task is not None and not task.done():
            task.cancel()
        self.model.remove_server(server_id)
        self._configs.pop(server_id, None)
        self._capabilities.pop(server_id, None)

    async def wait_idle(self) -> None:
        """Wait until no connection attempt is running (tests, screenshot mode)."""
        while pending := [t for t in self._tasks.values() if not t.done()]:
            await asyncio.wait(pending)

    async def _connect(self, server_id: str, *, relogin: bool) -> None:
        config = self._configs[server_id]
        self.model.set_status(server_id, ServerStatus.CONNECTING)
        self._capabilities.pop(server_id, None)
        if relogin:
            await self.clients.forget(config)
        try:
            cameras = await self.clients.cameras(config, refresh=True, once=True)
        except VmsDeskError as exc:
            log.info("server %s: %s (%s)", config.label, exc, exc.detail)
            self.model.set_status(server_id, status_for(exc), str(exc))
            self.failed.emit(server_id, str(exc))
            return
        except Exception:
            # A bug in a vendor client: the tree says so, the crash dialog shows the report.
            self.model.set_status(server_id, ServerStatus.ERROR, "vms_desk hit an unexpected error here.")
            raise
        self.model.set_cameras(server_id, cameras)
        self.model.set_status(server_id, ServerStatus.ONLINE)
        self.listed.emit(server_id)

    def client(self, server_id: str) -> VendorClient:
        """The logged-in client of an online server; ConnectionFailed when it is not connected."""
        config = self._configs.get(server_id)
        client = self.clients.connected(config) if config is not None else None
        if client is None:
            label = config.label if config else "The server"
            raise ConnectionFailed(f"{label} is not connected: refresh it, then try again.")
        return client

    def camera(self, server_id: str, camera_id: str) -> Camera | None:
        """A listed camera."""
        node = self.model.server(server_id)
        return next((c for c in node.cameras if c.id == camera_id), None) if node else None

    async def recordings(self, server_id: str, camera_id: str, span: TimeSpan) -> Recordings:
        """What a camera recorded in the span."""
        return await self.client(server_id).recordings(camera_id, span)

    async def capabilities(self, server_id: str) -> Capabilities:
        """The server's formats and options (asked once per connection)."""
        if server_id not in self._capabilities:
            self._capabilities[server_id] = await self.client(server_id).capabilities()
        return self._capabilities[server_id]

    async def snapshot(self, server_id: str, camera_id: str, at: TimeSpan) -> bytes | None:
        """A JPEG of the recorded frame, or None when the vendor has none to give."""
        return await self.client(server_id).snapshot(camera_id, at)

    async def aclose(self) -> None:
        """Stop connecting (the pool, and with it the logins, is closed by the Workstation)."""
        pending = [t for t in self._tasks.values() if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
