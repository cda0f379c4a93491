"""The case book: cases in the store's database (table `cases`, migration 2), every change audited.

The job store runs the migrations when the Workstation opens it; the book only reads and writes the
table, in its own short transactions on the same database (SQLite, or a team's PostgreSQL).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from vms_desk.cases.rules import Case, CaseStatus, check_number
from vms_desk.core.errors import InputError
from vms_desk.evidence.audit import AuditTrail
from vms_desk.store.database import Connection, Database


class UnknownCase(InputError):
    """No case with this number."""


class CaseBook:
    """Create, list, close, hold and reopen cases; each change is one audit entry."""

    def __init__(self, db: Database, audit: AuditTrail) -> None:
        self.db = db
        self.audit = audit

    def _conn(self, *, write: bool) -> AbstractContextManager[Connection]:
        return self.db.write() if write else self.db.read()

    # --- reading ------------------------------------------------------------------------------------
    def cases(self) -> list[Case]:
        """Every case, newest first."""
        with self._conn(write=False) as conn:
            return [_case(r) for r in conn.execute("SELECT * FROM cases ORDER BY created DESC, number")]

    def find(self, number: str) -> Case | None:
        """The case with this number, or None."""
        with self._conn(write=False) as conn:
            row = conn.execute("SELECT * FROM cases WHERE number = ?", (check_number(number),)).fetchone()
            return _case(row) if row else None

    def get(self, number: str) -> Case:
        """The case with this number; UnknownCase (a sentence) when there is none."""
        case = self.find(number)
        if case is None:
            raise UnknownCase(
                f"There is no case {number.strip()}: create it with `vms-desk case new {number.strip()}`."
            )
        return case

    # --- writing ------------------------------------------------------------------------------------
    def new(self, number: str, *, title: str = "", by: str, notes: str = "") -> Case:
        """Create an open case; InputError when the number is taken or cannot name a folder."""
        number = check_number(number)
        now = datetime.now(UTC)
        with self._conn(write=True) as conn:
            if conn.execute("SELECT 1 FROM cases WHERE number = ?", (number,)).fetchone():
                raise InputError(f"The case {number} exists already: `vms-desk case show {number}`.")
            conn.execute(
                "INSERT INTO cases (number, title, status, created, created_by, notes, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (number, title, str(CaseStatus.OPEN), now.isoformat(), by, notes, now.isoformat()),
            )
        self.audit.record("case", "created", case=number, title=title, by=by)
        return self.get(number)

    def set_status(self, number: str, status: CaseStatus, *, by: str, why: str = "") -> Case:
        """Close, hold or reopen a case (one audit entry); the same status again changes nothing."""
        case = self.get(number)
        if case.status is status:
            return case
        outcome = {
            CaseStatus.CLOSED: "closed",
            CaseStatus.ON_HOLD: "on hold",
            CaseStatus.OPEN: "reopened",
        }[status]
        with self._conn(write=True) as conn:
            conn.execute(
                "UPDATE cases SET status = ?, updated = ? WHERE number = ?",
                (str(status), datetime.now(UTC).isoformat(), case.number),
            )
        self.audit.record("case", outcome, case=case.number, by=by, was=str(case.status), why=why)
        return self.get(case.number)

    def add_note(self, number: str, note: str, *, by: str) -> Case:
        """Append a dated line to the case's notes (audited)."""
        case = self.get(number)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        notes = f"{case.notes}\n{stamp} {by}: {note}".strip()
        with self._conn(write=True) as conn:
            conn.execute(
                "UPDATE cases SET notes = ?, updated = ? WHERE number = ?",
                (notes, datetime.now(UTC).isoformat(), case.number),
            )
        self.audit.record("annotate", "noted", case=case.number, by=by, note=note)
        return self.get(case.number)


def _case(row: Any) -> Case:
    return Case(
        number=row["number"],
        title=row["title"],
        status=CaseStatus(row["status"]),
        created=datetime.fromisoformat(row["created"]),
        created_by=row["created_by"],
        notes=row["notes"],
        updated=datetime.fromisoformat(row["updated"]),
    )
