"""The persistent job store: one SQLite database (WAL) that the GUI and the CLI share.

Every call opens its own short connection and every write is one `BEGIN IMMEDIATE` transaction, so
two processes can use the store at once; `busy_timeout` makes a writer wait for the other's commit.
Passwords never reach it: the server config has none and secret options are stored as `***`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.core.jobstate import JobState, check_move
from vms_desk.jobs.codec import COLUMN, decode, encode, utc_now
from vms_desk.jobs.owner import owner_alive
from vms_desk.jobs.records import JobEvent, JobRecord
from vms_desk.jobs.schema import MIGRATIONS, migrate
from vms_desk.paths import home_dir

BUSY_TIMEOUT_MS = 10_000
STORE_NAME = "jobs.sqlite3"
UNFINISHED = (
    JobState.QUEUED,
    JobState.SUBMITTING,
    JobState.PROCESSING,
    JobState.DOWNLOADING,
    JobState.VERIFYING,
)
# Fields a caller may change with update()/move(); the rest are fixed when the job is added.
_MUTABLE = frozenset(
    {
        "camera_name",
        "request",
        "handle",
        "progress",
        "bytes_done",
        "bytes_total",
        "error",
        "evidence_dir",
        "files",
        "manifest",
        "server_path",
        "actual",
        "owner",
        "clock",
        "server_version",
        "verified",
        "case",  # reassignment to another case (audited by the caller)
    }
)


def orphaned(owner: str, lease_until: float | None, now: float) -> bool:
    """True when no live process runs the job: its owner process on this machine is gone, or (where
    this machine cannot tell) its lease has run out."""
    alive = owner_alive(owner) if owner else None
    if alive is not None:
        return not alive
    return lease_until is None or lease_until < now


class UnknownJob(LookupError):
    """No job with this id is in the store (removed, or another store)."""


class JobStore:
    """Jobs and their events in SQLite (default: VMS_DESK_HOME/jobs.sqlite3); safe for several processes."""

    def __init__(self, path: Path | None = None, *, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = path or home_dir() / STORE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                # WAL lets readers (the GUI's list) run while a writer (the CLI) commits.
                conn.execute("PRAGMA journal_mode=WAL")
                self.version = migrate(conn, migrations)
        except (OSError, sqlite3.Error) as exc:
            raise self._storage_error(exc) from exc

    def _storage_error(self, exc: BaseException) -> StorageError:
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
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
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
            raise self._storage_error(exc) from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._connect() as conn:
                yield conn
        except (OSError, sqlite3.Error) as exc:
            raise self._storage_error(exc) from exc

    # --- reading ------------------------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord:
        """The job with this id; UnknownJob when there is none."""
        with self._read() as conn:
            return self._get(conn, job_id)

    def _get(self, conn: sqlite3.Connection, job_id: str) -> JobRecord:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise UnknownJob(job_id)
        return decode(row)

    def jobs(self, states: Sequence[JobState] | None = None) -> list[JobRecord]:
        """Every job (or those in `states`), oldest first."""
        query = "SELECT * FROM jobs"
        args: tuple[str, ...] = ()
        if states:
            query += f" WHERE state IN ({','.join('?' * len(states))})"
            args = tuple(str(s) for s in states)
        with self._read() as conn:
            return [decode(r) for r in conn.execute(query + " ORDER BY created, id", args)]

    def events(self, job_id: str) -> list[JobEvent]:
        """The job's events in the order they happened."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT time, state, detail FROM events WHERE job_id = ? ORDER BY seq", (job_id,)
            )
            return [
                JobEvent(
                    time=datetime.fromisoformat(r["time"]), state=JobState(r["state"]), detail=r["detail"]
                )
                for r in rows
            ]

    # --- writing ------------------------------------------------------------------------------------
    def add(self, record: JobRecord, detail: str = "", *, lease_seconds: float | None = None) -> JobRecord:
        """Insert a new job with its first event."""
        values = {name: encode(name, getattr(record, name)) for name in JobRecord.model_fields}
        values["lease_until"] = time.time() + lease_seconds if lease_seconds else None
        columns = [COLUMN.get(n, n) for n in values]
        with self._write() as conn:
            conn.execute(
                # Only fixed column names and placeholders are interpolated; values are bound.
                f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                tuple(values.values()),
            )
            self._event(conn, record.id, record.state, detail, record.created)
            return self._get(conn, record.id)

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields without changing the state (progress, handle, files...)."""
        if "state" in changes:
            raise ValueError("cannot update job fields ['state']: use move(), which checks the transition")
        with self._write() as conn:
            self._set(conn, job_id, changes)
            return self._get(conn, job_id)

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Change fields of several jobs in one transaction (progress of every running job at once);
        a job removed meanwhile is skipped."""
        with self._write() as conn:
            for job_id, fields in changes.items():
                if "state" in fields:
                    raise ValueError("update_many() changes no state: use move()")
                with suppress(UnknownJob):
                    self._set(conn, job_id, dict(fields))

    def move(
        self,
        job_id: str,
        target: JobState,
        detail: str = "",
        *,
        expect: JobState | None = None,
        at: datetime | None = None,
        **changes: Any,
    ) -> JobRecord:
        """Change the state (checked against the state machine), record an event, and apply `changes`."""
        with self._write() as conn:
            current = self._get(conn, job_id)
            if expect is not None and current.state is not expect:
                raise StorageError(
                    "The job changed while it was being updated; try again.",
                    detail=f"job {job_id}: expected {expect}, found {current.state}",
                )
            check_move(current.state, target)
            now = at or utc_now()
            self._set(conn, job_id, {**changes, "state": target}, now)
            self._event(conn, job_id, target, detail, now)
            return self._get(conn, job_id)

    def add_event(self, job_id: str, detail: str) -> JobEvent:
        """Record an event in the job's current state (e.g. a retry, a restarted export)."""
        with self._write() as conn:
            state = self._get(conn, job_id).state
            now = utc_now()
            self._event(conn, job_id, state, detail, now)
            conn.execute("UPDATE jobs SET updated = ? WHERE id = ?", (encode("updated", now), job_id))
            return JobEvent(time=now, state=state, detail=detail)

    def remove(self, job_id: str) -> None:
        """Forget a job and its events (the evidence folder stays on disk)."""
        with self._write() as conn:
            if conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount == 0:
                raise UnknownJob(job_id)

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> JobRecord | None:
        """Make `owner` the process running the job, with a lease it must renew; None when another
        live process holds it."""
        now = time.time()
        with self._write() as conn:
            row = conn.execute("SELECT owner, lease_until FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise UnknownJob(job_id)
            if row["owner"] not in ("", owner) and not orphaned(row["owner"], row["lease_until"], now):
                return None
            # The write lock is held since the SELECT, so no other process can claim in between.
            conn.execute(
                "UPDATE jobs SET owner = ?, lease_until = ? WHERE id = ?",
                (owner, now + lease_seconds, job_id),
            )
            return self._get(conn, job_id)

    def release(self, job_id: str, owner: str) -> None:
        """Give the job up (e.g. at shutdown) so the next start may take it at once."""
        with self._write() as conn:
            conn.execute(
                "UPDATE jobs SET owner = '', lease_until = NULL WHERE id = ? AND owner = ?", (job_id, owner)
            )

    def heartbeat(self, owner: str, lease_seconds: float) -> None:
        """Renew the lease on every unfinished job `owner` runs (proof that it is alive)."""
        marks = ",".join("?" * len(UNFINISHED))
        with self._write() as conn:
            conn.execute(
                f"UPDATE jobs SET lease_until = ? WHERE owner = ? AND state IN ({marks})",  # noqa: S608
                (time.time() + lease_seconds, owner, *map(str, UNFINISHED)),
            )

    def mark_interrupted(self) -> list[JobRecord]:
        """At start-up: flip every unfinished job whose process is gone to interrupted.

        Gone means: a process on this machine that no longer exists (seen at once, e.g. after a
        kill or a crash), or a lease that ran out (another machine, or an owner id of unknown form).
        Jobs another live process runs are left alone, so a CLI export started while the GUI runs
        does not interrupt the GUI's jobs, nor the other way round.
        """
        marks = ",".join("?" * len(UNFINISHED))
        with self._write() as conn:
            candidates = conn.execute(
                f"SELECT id, state, owner, lease_until FROM jobs WHERE state IN ({marks})",  # noqa: S608
                tuple(map(str, UNFINISHED)),
            ).fetchall()
            clock = time.time()
            rows = [r for r in candidates if orphaned(r["owner"], r["lease_until"], clock)]
            now = utc_now()
            for row in rows:
                was = JobState(row["state"])
                check_move(was, JobState.INTERRUPTED)
                self._set(conn, row["id"], {"state": JobState.INTERRUPTED, "owner": ""}, now)
                self._event(
                    conn,
                    row["id"],
                    JobState.INTERRUPTED,
                    f"vms_desk stopped while the job was {was}; it can be resumed.",
                    now,
                )
            return [self._get(conn, row["id"]) for row in rows]

    # --- helpers ------------------------------------------------------------------------------------
    def _set(
        self, conn: sqlite3.Connection, job_id: str, changes: dict[str, Any], now: datetime | None = None
    ) -> None:
        unknown = set(changes) - _MUTABLE - {"state"}
        if unknown:
            raise ValueError(f"cannot update job fields {sorted(unknown)}")
        values = {name: encode(name, v) for name, v in changes.items()}
        values["updated"] = encode("updated", now or utc_now())
        assignments = ", ".join(f"{COLUMN.get(n, n)} = ?" for n in values)
        sql = f"UPDATE jobs SET {assignments} WHERE id = ?"  # noqa: S608 - fixed column names only
        cursor = conn.execute(sql, (*values.values(), job_id))
        if cursor.rowcount == 0:
            raise UnknownJob(job_id)

    @staticmethod
    def _event(conn: sqlite3.Connection, job_id: str, state: JobState, detail: str, when: datetime) -> None:
        conn.execute(
            "INSERT INTO events (job_id, time, state, detail) VALUES (?, ?, ?, ?)",
            (job_id, encode("created", when), str(state), detail),
        )
