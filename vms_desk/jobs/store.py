"""The persistent job store, shared by the GUI and the CLI, and on a team store by every workstation.

Every write is one transaction on the store database (vms_desk.store): SQLite's `BEGIN IMMEDIATE` or a
PostgreSQL transaction that also tells listening boards which job changed. Claims take the row with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workstations never both run one job.
Passwords never reach it: the server config has none and secret options are stored as `***`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from vms_desk.core.errors import StorageError
from vms_desk.core.jobstate import JobState, check_move
from vms_desk.jobs.codec import COLUMN, decode, encode, utc_now
from vms_desk.jobs.owner import owner_alive
from vms_desk.jobs.query import JobQuery, server_label, stamp
from vms_desk.jobs.records import JobEvent, JobRecord, Verification
from vms_desk.jobs.schema import MIGRATIONS, POSTGRES_MIGRATIONS
from vms_desk.paths import home_dir
from vms_desk.store.database import Connection, Database
from vms_desk.store.sqlite import SqliteDatabase

STORE_NAME = "jobs.sqlite3"
JOBS_CHANNEL = "vms_desk_jobs"  # NOTIFY payload: one job id (well under the 8000-byte limit)
EVERY_JOB = "*"  # the payload after a bulk change: re-read everything (no job id is "*")
UNFINISHED = (
    JobState.QUEUED,
    JobState.SUBMITTING,
    JobState.PROCESSING,
    JobState.DOWNLOADING,
    JobState.VERIFYING,
)
NEWEST_FIRST = " ORDER BY created DESC, id DESC"
_MANY = 500  # ids per `IN (...)`: well under both engines' limit on bound parameters
# The board's filter columns: what its choice lists offer.
BOARD_COLUMNS = {
    "case": "case_name",
    "operator": "operator",
    "workstation": "workstation",
    "server": "server_label",
}
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
        "workstation",  # reassignment to another workstation, which may then resume it (audited)
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
    """Jobs and their events in a store database: SQLite (default: VMS_DESK_HOME/jobs.sqlite3) or a
    team's PostgreSQL; safe for several processes and, on PostgreSQL, several workstations."""

    def __init__(
        self, where: Path | Database | None = None, *, migrations: Sequence[str] | None = None
    ) -> None:
        if where is None or isinstance(where, Path):
            where = SqliteDatabase(where or home_dir() / STORE_NAME)
        self.db: Database = where
        self.path: Path | None = where.path if isinstance(where, SqliteDatabase) else None
        if migrations is None:
            migrations = POSTGRES_MIGRATIONS if where.engine == "postgresql" else MIGRATIONS
        self.version = where.migrate(migrations)

    @property
    def where(self) -> str:
        """The store for messages: its file, or its URL without a password."""
        return self.db.where

    def _changed(self, conn: Connection, job_id: str) -> None:
        """Tell every listening board (team store) that this job changed, when the write commits."""
        self.db.notify(conn, JOBS_CHANNEL, job_id)

    # --- reading ------------------------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord:
        """The job with this id; UnknownJob when there is none."""
        with self.db.read() as conn:
            return self._get(conn, job_id)

    def _get(self, conn: Connection, job_id: str) -> JobRecord:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise UnknownJob(job_id)
        return decode(row)

    def jobs(
        self, states: Sequence[JobState] | None = None, *, workstation: str | None = None
    ) -> list[JobRecord]:
        """Every job (or those in `states`, or of one `workstation`), oldest first."""
        conditions: list[str] = []
        args: list[str] = []
        if states:
            conditions.append(f"state IN ({','.join('?' * len(states))})")
            args += [str(s) for s in states]
        if workstation is not None:
            conditions.append("workstation = ?")
            args.append(workstation)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        with self.db.read() as conn:
            return [decode(r) for r in conn.execute(f"SELECT * FROM jobs{where} ORDER BY created, id", args)]  # noqa: S608

    def ids_starting(self, text: str, limit: int = 2) -> list[str]:
        """Up to `limit` job ids equal to or starting with `text` (a short id as lists show it)."""
        if not text or not all(c.isalnum() for c in text):
            return []  # ids are hex: anything else (a LIKE wildcard included) matches none
        with self.db.read() as conn:
            query = "SELECT id FROM jobs WHERE id LIKE ? ORDER BY id LIMIT ?"
            rows = conn.execute(query, (f"{text}%", limit))
            return [r["id"] for r in rows]

    def page(
        self, wanted: JobQuery, limit: int, *, offset: int = 0, before: JobRecord | None = None
    ) -> list[JobRecord]:
        """Up to `limit` jobs that `wanted` matches, newest first: after `offset` of them, or (the board,
        as it scrolls) those older than `before`, which new jobs arriving at the top do not shift."""
        where, args = wanted.where()
        if before is not None:
            where += " AND (created < ? OR (created = ? AND id < ?))"
            args += [stamp(before.created), stamp(before.created), before.id]
        sql = f"SELECT * FROM jobs WHERE {where}{NEWEST_FIRST} LIMIT ? OFFSET ?"  # noqa: S608 - fixed SQL
        with self.db.read() as conn:
            return [decode(r) for r in conn.execute(sql, (*args, limit, offset))]

    def count(self, wanted: JobQuery | None = None) -> int:
        """How many jobs `wanted` matches (all of them without a filter)."""
        where, args = (wanted or JobQuery()).where()
        with self.db.read() as conn:
            row = conn.execute(f"SELECT COUNT(*) AS n FROM jobs WHERE {where}", args).fetchone()  # noqa: S608
            return int(row["n"])

    def get_many(self, ids: Iterable[str]) -> dict[str, JobRecord]:
        """The jobs with these ids that exist (a removed one is simply absent), by id."""
        wanted = sorted(set(ids))
        found: dict[str, JobRecord] = {}
        with self.db.read() as conn:
            for start in range(0, len(wanted), _MANY):
                chunk = wanted[start : start + _MANY]
                sql = f"SELECT * FROM jobs WHERE id IN ({', '.join('?' * len(chunk))})"  # noqa: S608
                found.update((r["id"], decode(r)) for r in (conn.execute(sql, chunk)))
        return found

    def changed_since(self, after: datetime | None, limit: int) -> list[JobRecord]:
        """Up to `limit` jobs written after `after` (all jobs for None), the oldest change first: how a
        board over SQLite, which has no NOTIFY, sees another process's writes."""
        where, args = ("updated > ?", [stamp(after)]) if after is not None else ("1 = 1", [])
        sql = f"SELECT * FROM jobs WHERE {where} ORDER BY updated, id LIMIT ?"  # noqa: S608 - fixed SQL
        with self.db.read() as conn:
            return [decode(r) for r in conn.execute(sql, (*args, limit))]

    def last_change(self) -> datetime | None:
        """When the store was last written to (None when it holds no job)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT MAX(updated) AS last FROM jobs").fetchone()
        return datetime.fromisoformat(row["last"]) if row and row["last"] else None

    def choices(self, field: str) -> list[str]:
        """The distinct non-empty values of a board filter field ('case', 'operator', 'workstation' or
        'server'), sorted as the user reads them."""
        column = BOARD_COLUMNS[field]
        # Each value found from the index by the next one up (a "loose index scan"): a few dozen
        # lookups, where DISTINCT would read 100,000 index entries.
        sql = (
            f"WITH RECURSIVE found(v) AS (SELECT MIN({column}) FROM jobs UNION ALL "  # noqa: S608
            f"SELECT (SELECT MIN({column}) FROM jobs WHERE {column} > found.v) FROM found "
            "WHERE found.v IS NOT NULL) SELECT v FROM found WHERE v IS NOT NULL AND v <> ''"
        )
        with self.db.read() as conn:
            return sorted((str(r["v"]) for r in conn.execute(sql)), key=str.casefold)

    def case_counts(self) -> dict[str, int]:
        """How many jobs each case holds."""
        sql = "SELECT case_name, COUNT(*) AS n FROM jobs WHERE case_name IS NOT NULL GROUP BY case_name"
        with self.db.read() as conn:
            return {r["case_name"]: int(r["n"]) for r in conn.execute(sql)}

    def events(self, job_id: str) -> list[JobEvent]:
        """The job's events in the order they happened."""
        with self.db.read() as conn:
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
        values |= _board_columns({"server": record.server, "verified": record.verified})
        columns = [COLUMN.get(n, n) for n in values]
        with self.db.write() as conn:
            conn.execute(
                # Only fixed column names and placeholders are interpolated; values are bound.
                f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                tuple(values.values()),
            )
            self._event(conn, record.id, record.state, detail, record.created)
            self._changed(conn, record.id)
            return self._get(conn, record.id)

    def add_many(self, records: Sequence[JobRecord], detail: str = "") -> None:
        """Insert many new jobs, each with its first event, in one transaction (an import, a benchmark's
        100,000 jobs): a few round trips instead of one per job."""
        if not records:
            return
        names = list(JobRecord.model_fields)
        columns = [COLUMN.get(n, n) for n in names] + ["lease_until", "server_label", "verified_ok"]
        rows = [
            [encode(n, getattr(r, n)) for n in names]
            + [None, *_board_columns({"server": r.server, "verified": r.verified}).values()]
            for r in records
        ]
        events = [(r.id, encode("created", r.created), str(r.state), detail) for r in records]
        with self.db.write() as conn:
            conn.executemany(
                f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                rows,
            )
            conn.executemany("INSERT INTO events (job_id, time, state, detail) VALUES (?, ?, ?, ?)", events)
            # One word for all of them: a board re-reads what it shows rather than 100,000 ids.
            self._changed(conn, EVERY_JOB)

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields without changing the state (progress, handle, files...)."""
        if "state" in changes:
            raise ValueError("cannot update job fields ['state']: use move(), which checks the transition")
        with self.db.write() as conn:
            self._set(conn, job_id, changes)
            self._changed(conn, job_id)
            return self._get(conn, job_id)

    def update_many(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Change fields of several jobs in one transaction (progress of every running job at once);
        a job removed meanwhile is skipped."""
        with self.db.write() as conn:
            for job_id, fields in changes.items():
                if "state" in fields:
                    raise ValueError("update_many() changes no state: use move()")
                with suppress(UnknownJob):
                    self._set(conn, job_id, dict(fields))
                    self._changed(conn, job_id)

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
        with self.db.write() as conn:
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
            self._changed(conn, job_id)
            return self._get(conn, job_id)

    def add_event(self, job_id: str, detail: str) -> JobEvent:
        """Record an event in the job's current state (e.g. a retry, a restarted export)."""
        with self.db.write() as conn:
            state = self._get(conn, job_id).state
            now = utc_now()
            self._event(conn, job_id, state, detail, now)
            conn.execute("UPDATE jobs SET updated = ? WHERE id = ?", (encode("updated", now), job_id))
            self._changed(conn, job_id)
            return JobEvent(time=now, state=state, detail=detail)

    def remove(self, job_id: str) -> None:
        """Forget a job and its events (the evidence folder stays on disk)."""
        with self.db.write() as conn:
            if conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount == 0:
                raise UnknownJob(job_id)
            self._changed(conn, job_id)

    def claim(self, job_id: str, owner: str, lease_seconds: float) -> JobRecord | None:
        """Make `owner` the process running the job, with a lease it must renew; None when another
        live process holds it."""
        now = time.time()
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT owner, lease_until FROM jobs WHERE id = ?" + self.db.lock_for_update(),  # noqa: S608
                (job_id,),
            ).fetchone()
            if row is None:
                if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is None:
                    raise UnknownJob(job_id)
                return None  # another workstation is claiming or writing it this very moment
            if row["owner"] not in ("", owner) and not orphaned(row["owner"], row["lease_until"], now):
                return None
            # The row is held since the SELECT (SQLite: the write lock; PostgreSQL: FOR UPDATE), so no
            # other process can claim in between.
            conn.execute(
                "UPDATE jobs SET owner = ?, lease_until = ? WHERE id = ?",
                (owner, now + lease_seconds, job_id),
            )
            self._changed(conn, job_id)
            return self._get(conn, job_id)

    def release(self, job_id: str, owner: str) -> None:
        """Give the job up (e.g. at shutdown) so the next start may take it at once."""
        with self.db.write() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET owner = '', lease_until = NULL WHERE id = ? AND owner = ?", (job_id, owner)
            )
            if cursor.rowcount:
                self._changed(conn, job_id)

    def heartbeat(self, owner: str, lease_seconds: float) -> None:
        """Renew the lease on every unfinished job `owner` runs (proof that it is alive)."""
        marks = ",".join("?" * len(UNFINISHED))
        with self.db.write() as conn:
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
        with self.db.write() as conn:
            candidates = conn.execute(
                f"SELECT id, state, owner, lease_until FROM jobs WHERE state IN ({marks})"  # noqa: S608
                + self.db.lock_for_update(),
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
                self._changed(conn, row["id"])
            return [self._get(conn, row["id"]) for row in rows]

    # --- helpers ------------------------------------------------------------------------------------
    def _set(
        self, conn: Connection, job_id: str, changes: dict[str, Any], now: datetime | None = None
    ) -> None:
        unknown = set(changes) - _MUTABLE - {"state"}
        if unknown:
            raise ValueError(f"cannot update job fields {sorted(unknown)}")
        values = {name: encode(name, v) for name, v in changes.items()}
        values |= _board_columns(changes)
        values["updated"] = encode("updated", now or utc_now())
        assignments = ", ".join(f"{COLUMN.get(n, n)} = ?" for n in values)
        sql = f"UPDATE jobs SET {assignments} WHERE id = ?"  # noqa: S608 - fixed column names only
        cursor = conn.execute(sql, (*values.values(), job_id))
        if cursor.rowcount == 0:
            raise UnknownJob(job_id)

    @staticmethod
    def _event(conn: Connection, job_id: str, state: JobState, detail: str, when: datetime) -> None:
        conn.execute(
            "INSERT INTO events (job_id, time, state, detail) VALUES (?, ?, ?, ?)",
            (job_id, encode("created", when), str(state), detail),
        )


def _board_columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The columns the board filters on that follow from these record fields (kept in step with them
    on every write: see schema step 4)."""
    columns: dict[str, Any] = {}
    if "server" in fields:
        columns["server_label"] = server_label(fields["server"])
    if "verified" in fields:
        verified: Verification | None = fields["verified"]
        columns["verified_ok"] = None if verified is None else int(verified.ok)
    return columns
