"""Moving a workstation to its team's store: its SQLite jobs (with their events), cases and audit chain.

- Nothing is taken from a workstation whose own audit log does not verify: a team chain must not take in
  entries that cannot be trusted, and the log is left as it is for whoever investigates.
- Every copy is one transaction per batch: an interrupted move leaves whole jobs (each with all its
  events) and whole audit entries, and running it again completes it.
- Running it again copies nothing twice: jobs and cases by their key (ON CONFLICT DO NOTHING, so a job
  the team store already has, and may have moved on, is left alone), events only with the jobs this run
  inserted, audit entries by their hash (the team row's UNIQUE `origin`).
- Checked afterwards: every job copied reads back column for column with its events, every workstation
  entry is in the team chain, and the team chain verifies.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError, StorageError, VmsDeskError
from vms_desk.evidence.audit import AuditLog
from vms_desk.jobs.store import JOBS_CHANNEL, UNFINISHED, JobStore
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.database import Connection, Database
from vms_desk.store.open import is_team_url, open_database
from vms_desk.store.sqlite import SqliteDatabase

BATCH = 200  # jobs per transaction: short enough not to hold up other workstations' writes


@dataclass
class MoveReport:
    """How many rows of each kind were copied, and how many the team store had already."""

    team: str
    jobs_copied: int = 0
    jobs_present: int = 0
    events_copied: int = 0
    cases_copied: int = 0
    cases_present: int = 0
    audit_copied: int = 0
    audit_present: int = 0
    team_audit_entries: int = 0

    def as_dict(self) -> dict[str, Any]:
        """For `--json`."""
        return asdict(self)


def move_to_team(home: Path, source: Path, url: str, *, workstation: str = "") -> MoveReport:
    """Copy the SQLite store `source` and the audit log in `home` into the team store at `url`. A job
    that names no workstation (queued before they were recorded) is this one's, and says so in the
    team store, where only its own workstation resumes a job."""
    if not is_team_url(url):
        raise InputError(
            f"--to {url} is not a team store: give its postgresql://host/database URL (docs/team-store.md)."
        )
    from vms_desk.store.postgres import conninfo  # psycopg: only when a team store is named

    conninfo(url)  # a URL that cannot be used is refused before anything is read or written
    if not source.is_file():
        raise InputError(f"There is no job store at {source} to copy: give it with --from FILE.")
    own = AuditLog(home)
    checked = own.verify()
    if not checked.ok:
        raise StorageError(
            f"This workstation's audit log {own.where} does not verify, so nothing was copied: "
            f"{checked.problems[0]} Leave the file as it is for whoever investigates "
            "(`vms-desk audit verify` lists every problem).",
            detail="; ".join(checked.problems),
        )
    originals = own.entries()
    mine = JobStore(SqliteDatabase(source))
    mine.mark_interrupted()  # as opening the workstation would: a job whose process died is resumable
    running = mine.jobs(UNFINISHED)
    if running:
        raise VmsDeskError(
            f"vms_desk is still running {len(running)} job(s) from {source}; close the window or wait "
            "for them to end, then move the store (nothing was copied)."
        )
    team_db = open_database(url)
    JobStore(team_db)  # brings the team store to this build's schema (or says why it cannot)
    report = MoveReport(team=team_db.where)
    for batch in _batches(mine.db, "SELECT * FROM jobs", "id"):
        named = [{**row, "workstation": row["workstation"] or workstation} for row in batch]
        _copy_jobs(mine.db, team_db, named, report)
    _copy_cases(mine.db, team_db, report)
    team = TeamAuditLog(team_db, workstation=workstation or None)
    report.audit_copied, report.audit_present = team.import_entries(
        originals, source=f"{platform.node()}:{own.where}"
    )
    _check_audit(team, originals, report)
    return report


def _batches(db: Database, select: str, key: str) -> Iterator[list[dict[str, Any]]]:
    """The rows of `select` in batches, by key (never the whole table in memory)."""
    last: Any = None
    while True:
        with db.read() as conn:
            where = "" if last is None else f" WHERE {key} > ?"
            args = () if last is None else (last,)
            rows = [dict(r) for r in conn.execute(f"{select}{where} ORDER BY {key} LIMIT {BATCH}", args)]
        if not rows:
            return
        yield rows
        last = rows[-1][key]


def _events(db: Database, job_id: str) -> list[tuple[Any, ...]]:
    with db.read() as conn:
        rows = conn.execute("SELECT time, state, detail FROM events WHERE job_id = ? ORDER BY seq", (job_id,))
        return [(r["time"], r["state"], r["detail"]) for r in rows]


def _insert(conn: Connection, table: str, key: str, row: dict[str, Any]) -> bool:
    """Insert `row` unless the table has its key already; True when it was inserted."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    # Column names come from the store's own schema (both stores run the same migrations); values are bound.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING"  # noqa: S608
    return conn.execute(sql, tuple(row.values())).rowcount == 1


def _copy_jobs(mine: Database, team: Database, rows: Sequence[dict[str, Any]], report: MoveReport) -> None:
    """One batch of jobs with their events, in one transaction; then read back and compared."""
    copied: dict[str, list[tuple[Any, ...]]] = {}
    with team.write() as conn:
        for row in rows:
            if not _insert(conn, "jobs", "id", row):
                report.jobs_present += 1
                continue
            events = _events(mine, row["id"])
            for event in events:
                conn.execute(
                    "INSERT INTO events (job_id, time, state, detail) VALUES (?, ?, ?, ?)",
                    (row["id"], *event),
                )
            copied[row["id"]] = events
            team.notify(conn, JOBS_CHANNEL, row["id"])  # open supervisor boards show it at once
    report.jobs_copied += len(copied)
    report.events_copied += sum(len(e) for e in copied.values())
    wanted = {row["id"]: row for row in rows if row["id"] in copied}
    if not wanted:
        return
    marks = ",".join("?" * len(wanted))
    back_events: dict[str, list[tuple[Any, ...]]] = {job_id: [] for job_id in wanted}
    with team.read() as conn:
        found = conn.execute(f"SELECT * FROM jobs WHERE id IN ({marks})", tuple(wanted))  # noqa: S608
        back = {r["id"]: dict(r) for r in found}
        for r in conn.execute(
            f"SELECT job_id, time, state, detail FROM events WHERE job_id IN ({marks}) ORDER BY seq",  # noqa: S608
            tuple(wanted),
        ):
            back_events[r["job_id"]].append((r["time"], r["state"], r["detail"]))
    for job_id, row in wanted.items():
        if back.get(job_id) != row or back_events[job_id] != copied[job_id]:
            raise StorageError(
                f"The job {job_id[:8]} does not read back from the team store {team.where} as it was "
                "copied; the team store may be changing it already, or the copy failed. Run the move "
                "again to check, and keep this workstation's store until it succeeds.",
                detail=f"copied {row!r}, read back {back.get(job_id)!r}",
            )


def _copy_cases(mine: Database, team: Database, report: MoveReport) -> None:
    for rows in _batches(mine, "SELECT * FROM cases", "number"):
        with team.write() as conn:
            for row in rows:
                if _insert(conn, "cases", "number", row):
                    report.cases_copied += 1
                else:
                    report.cases_present += 1


def _check_audit(team: TeamAuditLog, originals: Sequence[dict[str, Any]], report: MoveReport) -> None:
    """Every workstation entry is in the team chain, and the chain verifies."""
    imported = team.imported()
    missing = [e for e in originals if e["hash"] not in imported]
    if missing:
        raise StorageError(
            f"{len(missing)} of this workstation's audit entries are not in the team store's chain after "
            "the copy; run the move again, and keep this workstation's audit log until it succeeds.",
            detail=f"first missing: entry {missing[0].get('seq')}",
        )
    checked = team.verify()
    if not checked.ok:
        raise StorageError(
            f"The team store's audit chain does not verify after the copy: {checked.problems[0]} "
            "Tell the team store's administrator; keep this workstation's audit log as it is.",
            detail="; ".join(checked.problems),
        )
    report.team_audit_entries = checked.entries
