"""The job store's schema as a list of migration steps; step N brings the database to version N.

Append new steps at the end; never edit a released one (existing databases already ran it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from vms_desk.core.errors import StorageError

MIGRATIONS: tuple[str, ...] = (
    # 1: jobs and their events. Structured values (server, request, handle, files, actual span) are
    # JSON text: they are read whole and never queried inside. Times are ISO 8601 UTC text, which sorts.
    """
    CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        created      TEXT NOT NULL,
        updated      TEXT NOT NULL,
        state        TEXT NOT NULL,
        server       TEXT NOT NULL,
        camera_id    TEXT NOT NULL,
        camera_name  TEXT NOT NULL DEFAULT '',
        request      TEXT NOT NULL,
        handle       TEXT,
        progress     REAL NOT NULL DEFAULT 0,
        bytes_done   INTEGER NOT NULL DEFAULT 0,
        bytes_total  INTEGER,
        error        TEXT NOT NULL DEFAULT '',
        out_dir      TEXT NOT NULL,
        evidence_dir TEXT,
        case_name    TEXT,
        operator     TEXT,
        files        TEXT NOT NULL DEFAULT '[]',
        manifest     TEXT,
        server_path  TEXT,
        actual       TEXT,
        owner        TEXT NOT NULL DEFAULT '',
        lease_until  REAL
    );
    CREATE INDEX jobs_state ON jobs (state);
    CREATE TABLE events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        time    TEXT NOT NULL,
        state   TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_job ON events (job_id, seq);
    """,
    # 2: cases, and what the supervisor board shows of each job: the workstation that queued it, the
    # server's clock offset and version measured before the export, and the last re-verification.
    """
    CREATE TABLE cases (
        number      TEXT PRIMARY KEY,
        title       TEXT NOT NULL DEFAULT '',
        status      TEXT NOT NULL,
        created     TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        notes       TEXT NOT NULL DEFAULT '',
        updated     TEXT NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN clock TEXT;
    ALTER TABLE jobs ADD COLUMN server_version TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN verified TEXT;
    CREATE INDEX jobs_case ON jobs (case_name);
    """,
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The version the database is at (0 for a new, empty database)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, steps: Sequence[str] = MIGRATIONS) -> int:
    """Run the steps the database has not run yet, each in its own transaction; returns the version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if current > len(steps):
        raise StorageError(
            "The job store was written by a newer version of vms_desk; update vms_desk to use it.",
            detail=f"database schema {current}, this build knows {len(steps)}",
        )
    for number in range(current + 1, len(steps) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if schema_version(conn) >= number:
                conn.execute("COMMIT")
                continue
            for statement in _statements(steps[number - 1]):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return max(current, len(steps))


def _statements(script: str) -> list[str]:
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
