"""The SQLite engine: one file in WAL mode, a short connection per call, `BEGIN IMMEDIATE` writes.

Several processes on one machine can use the file at once: `busy_timeout` makes a writer wait for the
other's commit. SQLite's WAL needs shared memory, so the file must be on a local disk, never a network
share: a team shares a PostgreSQL database instead (`store_url`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from vms_desk.core.errors import StorageError
from vms_desk.store.database import Connection, StoreBusy

BUSY_TIMEOUT_MS = 30_000  # eight exports committing on a saturated disk took over 10 s


class SqliteDatabase:
    """One SQLite file; see the module docstring."""

    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                # WAL lets readers (the GUI's list) run while a writer (the CLI) commits.
                conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise self.error(exc) from exc

    def error(self, exc: BaseException) -> StorageError:
        """A sentence for the user about a failure of this file."""
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            # busy_timeout ran out: other processes (CLI exports, the window) held the write lock. A
            # job's write waits on (jobs.writer); a command's other steps say so and change nothing.
            return StoreBusy(
                f"The job store {self.path} was kept busy by other vms_desk processes for over "
                f"{BUSY_TIMEOUT_MS // 1000} s (a slow or overloaded disk); nothing was changed.",
                detail=repr(exc),
            )
        return StorageError(
            f"The job store {self.path} cannot be used ({type(exc).__name__}); check that the folder is "
            "writable and the disk is not full.",
            detail=repr(exc),
        )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Each commit reaches the disk: a job's state must survive a crash or power cut as
            # committed (SQLite's usual default, stated here because crash safety relies on it).
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # SQLite's own lower() folds ASCII only, PostgreSQL's every letter: the board's server
            # filter ("überwachung" finding "Überwachung") must match the same rows on both engines.
            conn.create_function("lower", 1, _lower, deterministic=True)
            yield conn
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads."""
        try:
            with self._connect() as conn:
                yield conn
        except (OSError, sqlite3.Error) as exc:
            raise self.error(exc) from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; errors roll back and become StorageError."""
        try:
            with self._connect() as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            raise self.error(exc) from exc

    def lock_for_update(self) -> str:
        """Nothing: `BEGIN IMMEDIATE` already holds the whole file."""
        return ""

    def serialise(self, conn: Connection, key: int) -> None:
        """Nothing: a write transaction is already exclusive."""

    def notify(self, conn: Connection, channel: str, payload: str) -> None:
        """Nothing: a workstation's own window hears its engine directly."""

    def migrate(self, steps: Sequence[str]) -> int:
        """Run the steps not yet run, each in its own transaction."""
        from vms_desk.store.migrate import run_steps

        try:
            return run_steps(self, steps, split=sqlite_statements)
        except (OSError, sqlite3.Error) as exc:
            raise self.error(exc) from exc

    def close(self) -> None:
        """Nothing held between calls."""


def _lower(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return value.lower() if isinstance(value, str) else value


def sqlite_statements(script: str) -> list[str]:
    """Split a step into statements (executescript would commit behind our back)."""
    parts: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                parts.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        parts.append(buffer.strip())
    return parts
