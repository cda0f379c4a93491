"""Which jobs a look at the store wants: the supervisor board's filters (less its free text) as SQL that
both engines run with the same result.

`BoardFilter` (vms_desk.present.board) is a `JobQuery` with a free-text field and a Python `matches()`;
tests/unit/store checks that the store's pages hold exactly the jobs `matches()` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vms_desk.core.jobstate import JobState
from vms_desk.core.models import ServerConfig
from vms_desk.jobs.records import JobRecord

# What "problems only" shows besides done-but-unverified jobs.
PROBLEM_STATES = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED})


def server_label(server: ServerConfig) -> str:
    """vendor/server, e.g. 'vdg-sense/http://10.0.0.5:8000' (the saved name when it has one); the store
    keeps it in the `server_label` column so that the board can filter on it."""
    return f"{server.vendor.value}/{server.name or server.url}"


def stamp(when: datetime) -> str:
    """An instant as the store keeps it (ISO 8601 UTC text, which sorts as the instants do)."""
    return when.astimezone(UTC).isoformat()


def _like(fragment: str) -> str:
    """A LIKE pattern for 'contains fragment', its wildcards escaped (ESCAPE '\\')."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class JobQuery:
    """Filters over the store's jobs; empty fields match everything."""

    case: str = ""
    operator: str = ""
    workstation: str = ""
    server: str = ""  # part of vendor/server, any case
    states: frozenset[JobState] = frozenset()
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    problems_only: bool = False  # failed, cancelled, interrupted, or done but not verified

    def matches(self, record: JobRecord) -> bool:
        """The test `where()` makes in SQL, made in Python (for a job the board already holds when it
        changes)."""
        unverified = record.state is JobState.DONE and (record.verified is None or not record.verified.ok)
        return all(
            (
                not self.case or (record.case or "") == self.case,
                not self.operator or (record.operator or "") == self.operator,
                not self.workstation or record.workstation == self.workstation,
                not self.server or self.server.lower() in server_label(record.server).lower(),
                not self.states or record.state in self.states,
                self.since is None or record.created >= self.since,
                self.until is None or record.created < self.until,
                not self.problems_only or record.state in PROBLEM_STATES or unverified,
            )
        )

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition (`?` placeholders, '1 = 1' for no filter) and its arguments."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, value in (
            ("case_name", self.case),
            ("operator", self.operator),
            ("workstation", self.workstation),
        ):
            if value:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.server:
            # Both sides folded by Python's rules: the needle here, the column by lower(), which the
            # SQLite engine defines as str.lower (PostgreSQL's folds the same letters).
            clauses.append("lower(server_label) LIKE ? ESCAPE '\\'")
            args.append(_like(self.server.lower()))
        if self.states:
            clauses.append(f"state IN ({', '.join('?' * len(self.states))})")
            args.extend(sorted(str(s) for s in self.states))
        if self.since is not None:
            clauses.append("created >= ?")
            args.append(stamp(self.since))
        if self.until is not None:
            clauses.append("created < ?")
            args.append(stamp(self.until))
        if self.problems_only:
            marks = ", ".join("?" * len(PROBLEM_STATES))
            clauses.append(
                f"(state IN ({marks}) OR (state = ? AND (verified_ok IS NULL OR verified_ok = 0)))"
            )
            args.extend([*sorted(str(s) for s in PROBLEM_STATES), str(JobState.DONE)])
        return (" AND ".join(clauses) or "1 = 1"), args
