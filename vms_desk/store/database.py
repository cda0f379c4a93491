"""What the stores need of a database engine: short read and write transactions with named rows.

SQL is written once with `?` placeholders; each engine adapts it. A write is one transaction that
either commits whole or leaves nothing behind. Engine failures become `StorageError` (a sentence for
the user); `StoreUnreachable` says the database could not be reached at all, which is worth waiting
out (a team server restarting) rather than failing a job over.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from vms_desk.core.errors import StorageError


class StoreUnreachable(StorageError):
    """The database server cannot be reached (down, network gone, refused); try again later."""


class StoreBusy(StoreUnreachable):
    """Other processes held the database's write lock longer than a writer waits (SQLite's
    busy_timeout: eight exports committing on a saturated disk); also worth waiting out."""


class Row(Protocol):
    """One result row; columns by name."""

    def __getitem__(self, key: str) -> Any: ...


class Cursor(Protocol):
    """The result of one statement."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection inside a transaction (or autocommit, for reads)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        """One statement for each row of parameters (bulk inserts), in as few round trips as may be."""


class Database(Protocol):
    """One SQLite file or one PostgreSQL database; thread-safe (each thread gets its own connection)."""

    engine: str  # "sqlite" or "postgresql"
    where: str  # for messages: the file, or the URL without its password

    def read(self) -> AbstractContextManager[Connection]:
        """A connection for reads that see every committed write."""

    def write(self) -> AbstractContextManager[Connection]:
        """One write transaction, serialised against other writers of the same rows."""

    def lock_for_update(self) -> str:
        """The clause that takes a row for this transaction and skips rows another one holds
        (PostgreSQL's `FOR UPDATE SKIP LOCKED`); empty on SQLite, whose write lock covers the file."""

    def serialise(self, conn: Connection, key: int) -> None:
        """Hold a lock named `key` until this transaction ends (PostgreSQL's advisory lock); SQLite's
        write transaction is already exclusive."""

    def notify(self, conn: Connection, channel: str, payload: str) -> None:
        """Tell listeners `payload` on `channel` when this transaction commits (no-op on SQLite)."""

    def migrate(self, steps: Sequence[str]) -> int:
        """Run the schema steps the database has not run yet; the version it is at."""

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
