"""Running schema steps, the same way on both engines: step N brings the database to version N.

Each step is one transaction (both engines have transactional DDL), so a failed step leaves the
database at the version before it. Two processes opening a new store at once are serialised by the
write lock (SQLite) or an advisory lock (PostgreSQL); the second finds the step done and skips it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vms_desk.core.errors import StorageError
from vms_desk.store.database import Connection, Database

MIGRATION_LOCK = 0x766D_7364_0001  # "vmsd" + 1: the advisory lock taken while migrating


_HAS_VERSION_TABLE = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
    "postgresql": "SELECT 1 WHERE to_regclass('schema_version') IS NOT NULL",
}


def schema_version(db: Database, conn: Connection) -> int:
    """The version the database is at (0 for a new, empty database, whose version table it creates)."""
    # Looked up in the catalog rather than `CREATE TABLE IF NOT EXISTS`: PostgreSQL checks the CREATE
    # privilege even when the table exists, and a team's workstation role has none (roles.sql), yet it
    # must open a store its owner has migrated.
    if conn.execute(_HAS_VERSION_TABLE[db.engine]).fetchone() is None:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row["version"]) if row else 0


def run_steps(db: Database, steps: Sequence[str], *, split: Callable[[str], list[str]]) -> int:
    """Run the steps `db` has not run yet; returns the version. StorageError for a newer database, and
    for one this login may not bring up to date (a team's workstation role: its owner must)."""
    try:
        return _run_steps(db, steps, split)
    except StorageError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "42501":  # the login lacks a grant (roles.sql)
            raise StorageError(
                f"The store {db.where} needs its tables created or upgraded to version {len(steps)}, and "
                "this login may not change them: open it once with the owner's login (see "
                "docs/team-store.md), then try again.",
                detail=exc.detail,
            ) from exc
        raise


def _run_steps(db: Database, steps: Sequence[str], split: Callable[[str], list[str]]) -> int:
    with db.write() as conn:
        db.serialise(conn, MIGRATION_LOCK)
        current = schema_version(db, conn)
    if current > len(steps):
        raise StorageError(
            "The job store was written by a newer version of vms_desk; update vms_desk to use it.",
            detail=f"database schema {current}, this build knows {len(steps)}",
        )
    for number in range(current + 1, len(steps) + 1):
        with db.write() as conn:
            db.serialise(conn, MIGRATION_LOCK)
            # Another process may have migrated while we waited for the lock.
            if schema_version(db, conn) >= number:
                continue
            for statement in split(steps[number - 1]):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
    return max(current, len(steps))
