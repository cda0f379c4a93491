"""The user's server list: JSON in VMS_DESK_HOME without passwords; passwords in the OS keyring.

Headless Linux often has no keyring at all; then passwords are held in memory for this session only,
and `PasswordVault.persistent` is False so the dialog can say so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from vms_desk.core.errors import StorageError
from vms_desk.core.models import ServerConfig
from vms_desk.jobs.credentials import server_key
from vms_desk.paths import home_dir

log = logging.getLogger(__name__)

KEYRING_SERVICE = "vms_desk"
FILE_NAME = "servers.json"
FORMAT_VERSION = 1


@dataclass
class SavedServer:
    """A server in the list: a stable id (keyring key), its config, and whether it is saved to disk."""

    config: ServerConfig
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    persistent: bool = True  # demo servers live only for the session


class PasswordVault:
    """Passwords by server id: the OS keyring when there is one, else this session's memory."""

    def __init__(self) -> None:
        self._session: dict[str, str] = {}
        self._persistent: bool | None = None
        self._probing = threading.Lock()

    @property
    def persistent(self) -> bool:
        """True when an OS credential store keeps passwords beyond this session.

        Asked for the first time, this loads keyring and its backends (tens to hundreds of ms), so it is
        found out when first needed, or ahead of that by `probe()` in a worker thread, never while
        the window is being built.
        """
        with self._probing:
            if self._persistent is None:
                self._persistent = _keyring_usable()
            return self._persistent

    def probe(self) -> bool:
        """Find out `persistent` now (for a worker thread at start-up)."""
        return self.persistent

    def get(self, server_id: str) -> str | None:
        """The stored password, or None."""
        if server_id in self._session:
            return self._session[server_id]
        if not self.persistent:
            return None
        import keyring  # once the store is known to exist (see persistent)
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, server_id)
        except KeyringError as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None

    def set(self, server_id: str, password: str, *, session_only: bool = False) -> bool:
        """Store a password; returns True when it was saved beyond this session."""
        if session_only or not self.persistent:
            self._session[server_id] = password
            return False
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(KEYRING_SERVICE, server_id, password)
        except KeyringError as exc:
            # The keyring can fail later (locked, backend gone): keep working for this session.
            log.warning("keyring write failed, keeping the password for this session: %s", type(exc).__name__)
            self._session[server_id] = password
            return False
        self._session.pop(server_id, None)
        return True

    def delete(self, server_id: str) -> None:
        """Forget the password everywhere; never raises."""
        self._session.pop(server_id, None)
        if self.persistent:
            import keyring
            from keyring.errors import KeyringError, PasswordDeleteError

            with contextlib.suppress(PasswordDeleteError, KeyringError):
                keyring.delete_password(KEYRING_SERVICE, server_id)


def _keyring_usable() -> bool:
    """False when keyring fell back to its 'fail' backend (no OS credential store)."""
    import keyring  # slow to import: only once a password is needed
    from keyring.errors import KeyringError

    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return False
    # keyring picks `backends.fail.Keyring` when no credential store exists (headless Linux).
    return not type(backend).__module__.endswith(".fail")


class ServersStore:
    """Loads and saves the server list; demo (non-persistent) servers are never written."""

    def __init__(self, folder: Path | None = None, vault: PasswordVault | None = None) -> None:
        self.path = (folder or home_dir()) / FILE_NAME
        self.vault = vault or PasswordVault()
        self._servers: dict[str, SavedServer] = {}

    def load(self) -> list[SavedServer]:
        """Read the file; a missing file is an empty list, a damaged one is kept aside and reported."""
        self._servers.clear()
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data.get("servers", []) if isinstance(data, dict) else []
            for entry in entries:
                server = SavedServer(config=ServerConfig.model_validate(entry["config"]), id=str(entry["id"]))
                self._servers[server.id] = server
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            log.error("server list %s unreadable: %s", self.path, exc)
            raise StorageError(
                f"The server list {self.path} could not be read; add the servers again or restore the file.",
                detail=str(exc),
            ) from exc
        return self.servers()

    def servers(self) -> list[SavedServer]:
        """Every server, in the order added."""
        return list(self._servers.values())

    def get(self, server_id: str) -> SavedServer | None:
        """The server with this id."""
        return self._servers.get(server_id)

    def put(self, server: SavedServer, password: str | None = None) -> None:
        """Add or replace a server (and its password when given), then save."""
        self._servers[server.id] = server
        if password is not None:
            self.vault.set(server.id, password, session_only=not server.persistent)
        if server.persistent:
            self.save()

    def remove(self, server_id: str) -> None:
        """Forget a server and its password."""
        server = self._servers.pop(server_id, None)
        self.vault.delete(server_id)
        if server is not None and server.persistent:
            self.save()

    def password(self, server_id: str) -> str | None:
        """The server's password, or None."""
        return self.vault.get(server_id)

    def credentials(self, config: ServerConfig) -> str | None:
        """The engine's credentials lookup: the password of the listed server with this account."""
        key = server_key(config)
        for server in self._servers.values():
            if server_key(server.config) == key:
                password = self.vault.get(server.id)
                if password is not None:
                    return password
        return None

    def save(self) -> None:
        """Write the persistent servers atomically (temp file + rename)."""
        entries = [
            {"id": s.id, "config": s.config.model_dump(mode="json")}
            for s in self._servers.values()
            if s.persistent
        ]
        payload = json.dumps({"format_version": FORMAT_VERSION, "servers": entries}, indent=2)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".json.part")
            tmp.write_text(payload, encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            raise StorageError(
                f"The server list could not be saved to {self.path}: check that the folder is writable.",
                detail=str(exc),
            ) from exc
