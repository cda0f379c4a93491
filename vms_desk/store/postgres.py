"""The PostgreSQL engine (psycopg 3): a team's shared store.

- One connection per thread, kept open and replaced after a failure (a connection costs a round trip
  and, with TLS, a handshake; the writer thread and the listener each hold one).
- Writes are explicit transactions; `FOR UPDATE SKIP LOCKED` claims rows, advisory locks serialise
  the audit chain, and `pg_notify` tells every board that a job changed, on commit.
- Never waits forever: connect_timeout, TCP keepalives and tcp_user_timeout bound a silent network,
  so a pulled cable becomes `StoreUnreachable` in seconds rather than a frozen writer.
- The password is never in the URL (settings.json is a file): it comes from VMS_DESK_STORE_PASSWORD,
  the OS keyring, or libpq's own PGPASSWORD/pgpass.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import dict_row

from vms_desk.core.errors import InputError, StorageError
from vms_desk.store.database import Connection, Cursor, StoreUnreachable

PASSWORD_ENV = "VMS_DESK_STORE_PASSWORD"  # noqa: S105 - the variable's name, not a password
KEYRING_SERVICE = "vms_desk team store"
INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE: the login lacks a grant (roles.sql decides what it has)
# Bounds for a silent network (seconds); a URL may set any of them itself.
DEFAULTS = {
    "connect_timeout": "5",
    "keepalives": "1",
    "keepalives_idle": "5",
    "keepalives_interval": "2",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
    "application_name": "vms_desk",
}


def conninfo(url: str) -> dict[str, Any]:
    """The URL's connection parameters with our defaults; InputError for a URL with a password in it."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise InputError(f"The store URL cannot be read: {exc}.") from exc
    if params.get("password"):
        raise InputError(
            "The store URL contains a password: remove it, and set the password with "
            f"`vms-desk store password` (kept in the OS keyring) or the {PASSWORD_ENV} environment variable."
        )
    return {**DEFAULTS, **params}


def describe(params: dict[str, Any]) -> str:
    """host:port/database, for messages (never a password)."""
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = params.get("port") or "5432"
    user = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{user}{host}:{port}/{params.get('dbname', '')}"


def keyring_user(params: dict[str, Any]) -> str:
    """The keyring entry's name for this database: user@host:port/database."""
    return describe(params).removeprefix("postgresql://")


def stored_password(params: dict[str, Any]) -> str | None:
    """The password from the environment, else the keyring; None leaves it to libpq (PGPASSWORD, pgpass)."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    try:
        import keyring
        import keyring.errors

        return keyring.get_password(KEYRING_SERVICE, keyring_user(params))
    except Exception:  # no keyring backend is the usual case on servers
        return None


class _Conn:
    """psycopg's connection behind the `?`-placeholder Connection the stores speak."""

    def __init__(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        # `?` placeholders become psycopg's %s (a literal % is doubled first).
        query = sql.replace("%", "%%").replace("?", "%s") if params else sql
        return self.conn.execute(query, tuple(params) if params else None)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        # psycopg sends the rows in pipeline mode: one round trip for many, not one each.
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.replace("%", "%%").replace("?", "%s"), [tuple(r) for r in rows])


class PostgresDatabase:
    """One PostgreSQL database; see the module docstring."""

    engine = "postgresql"

    def __init__(self, url: str, *, password: str | None = None) -> None:
        self.params = conninfo(url)
        self.where = describe(self.params)
        self._password = password
        self._local = threading.local()
        with self.read() as conn:  # reachable and allowed in, or a sentence now
            conn.execute("SELECT 1")

    # --- connections ----------------------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection[dict[str, Any]]:
        conn: psycopg.Connection[dict[str, Any]] | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.broken and _still_open(conn):
            return conn
        self._drop()
        conn = psycopg.connect(**self._login(), autocommit=True, row_factory=dict_row)
        self._local.conn = conn
        return conn

    def _login(self) -> dict[str, Any]:
        """The connection parameters with the password (given, else the environment or keyring)."""
        params = dict(self.params)
        password = self._password or stored_password(params)
        if password:
            params["password"] = password
        return params

    def error(self, exc: BaseException) -> StorageError:
        """A sentence for the user: unreachable (worth waiting out) or refused."""
        if isinstance(exc, psycopg.OperationalError) and _is_connection_problem(exc):
            return StoreUnreachable(
                f"The team store {self.where} is unreachable ({_reason(exc)}).", detail=str(exc).strip()
            )
        if getattr(exc, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            return StorageError(
                f"The team store {self.where} does not allow this login to do that ({_first_line(exc)}); "
                "its administrator grants what a workstation needs with `vms-desk store roles` "
                "(docs/team-store.md).",
                detail=str(exc).strip(),
            )
        return StorageError(
            f"The team store {self.where} refused a request ({type(exc).__name__}): {_first_line(exc)}",
            detail=str(exc).strip(),
        )

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with suppress(psycopg.Error):
                conn.close()

    def _fresh_if_stale(self, check: Callable[[psycopg.Connection[dict[str, Any]]], object]) -> Any:
        """This thread's connection after `check` passed on it. A kept connection the server dropped
        meanwhile (a restart, an idle timeout) fails its first use: that one is replaced once, since
        nothing was done on it yet."""
        reused = getattr(self._local, "conn", None) is not None
        conn = self._connection()
        try:
            check(conn)
        except psycopg.OperationalError:
            self._drop()
            if not reused:
                raise
            conn = self._connection()
            check(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Autocommit reads on this thread's connection."""
        try:
            # _connection() has replaced a connection the server closed (seen without a round trip).
            yield _Conn(self._connection())
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError):
                self._drop()
            raise self.error(exc) from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction; anything raised inside rolls it back."""
        try:
            conn = self._fresh_if_stale(lambda c: c.execute("BEGIN"))
            try:
                yield _Conn(conn)
            except BaseException:
                with suppress(psycopg.Error):  # a dead connection has rolled back already
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError):
                self._drop()
            raise self.error(exc) from exc

    def lock_for_update(self) -> str:
        """Take the selected rows; skip (do not wait for) rows another transaction holds."""
        return " FOR UPDATE SKIP LOCKED"

    def serialise(self, conn: Connection, key: int) -> None:
        """An advisory lock held until the transaction ends."""
        conn.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def notify(self, conn: Connection, channel: str, payload: str) -> None:
        """Delivered to listeners when the transaction commits (payloads here are job ids)."""
        conn.execute("SELECT pg_notify(?, ?)", (channel, payload))

    def migrate(self, steps: Sequence[str]) -> int:
        """Run the steps not yet run; each step is sent whole (functions with `;` inside included)."""
        from vms_desk.store.migrate import run_steps

        return run_steps(self, steps, split=lambda script: [script])

    def listen_connection(self) -> psycopg.Connection[Any]:
        """A new autocommit connection of its own, for a LISTEN thread."""
        try:
            return psycopg.connect(**self._login(), autocommit=True)
        except psycopg.Error as exc:
            raise self.error(exc) from exc

    def close(self) -> None:
        """Close this thread's connection."""
        self._drop()


def _still_open(conn: psycopg.Connection[Any]) -> bool:
    """False when the server closed this idle connection (it restarted, or an administrator ended it):
    something arrived although no query runs. Seen without a round trip, so the first read or write
    after a team server's restart goes to a new connection instead of failing."""
    # A server going away sends its reason first and closes after: read until nothing is left (the
    # end of the stream then fails), a few times at most.
    for _ in range(4):
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return conn.pgconn.status == pq.ConnStatus.OK
        try:
            conn.pgconn.consume_input()
        except psycopg.OperationalError:
            return False
    return False


def _is_connection_problem(exc: psycopg.OperationalError) -> bool:
    """True when the server could not be reached or is restarting (worth waiting out); False when it
    answered and refused (a wrong password, an unknown database: waiting would not help)."""
    # SQLSTATE class 08 is "connection exception"; 57P0x is the server shutting down or starting up.
    state: str | None = exc.sqlstate
    if state is not None:
        return state.startswith(("08", "57P0"))
    # Failures while connecting carry no SQLSTATE: a server that answered says FATAL (unless it is
    # only starting up or shutting down); refused, timed out and unknown hosts do not.
    text = str(exc)
    if "certificate" in text.lower():
        return False  # TLS verification failed: the server answered, and is not the one trusted
    return "FATAL" not in text or "the database system is" in text


def _reason(exc: BaseException) -> str:
    """libpq's own words for why, without the address it repeats: 'Connection refused', 'timeout expired'."""
    line = _first_line(exc)
    return line.rpartition("failed: ")[2].strip() or line


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
