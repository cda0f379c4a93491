"""The team's audit chain: the entries a workstation keeps in audit.jsonl, as rows of the store's `audit`
table, so every workstation of a team appends to one chain.

- An entry is built, scrubbed and hashed exactly as the workstation's file log builds it
  (vms_desk.evidence.audit), and its row keeps the canonical JSON that was hashed: checking a row is
  hashing the text it holds, and an entry reads the same wherever it was kept.
- Appends are serialised: each takes an advisory lock (PostgreSQL; SQLite's write transaction is
  exclusive already) before it reads the last row, and UNIQUE(prev) refuses a second entry after the
  same one should anything append without the lock. Three workstations appending at once therefore
  wait for each other in turn and never fork the chain.
- Rows are never changed or removed: triggers refuse it (schema step 3), and a workstation's database
  role has no UPDATE or DELETE grant on the table (roles.sql).
- A workstation's own entries come in through `import_entries` (`vms-desk store migrate`): each becomes a
  new team entry that carries the original verbatim, with `origin` = the original's hash (UNIQUE), so
  importing twice adds nothing and the original's own hash can still be checked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vms_desk.evidence.audit import GENESIS, AuditReport, ChainCheck, canonical, entry_hash, new_entry
from vms_desk.store.database import Connection, Database

AUDIT_LOCK = 0x766D_7364_0002  # "vmsd" + 2: the advisory lock held while appending to the chain
IMPORT_ACTION = "import"
IMPORT_BATCH = 200  # imported entries per transaction: a short hold on the lock other appenders wait for


class TeamAuditLog:
    """The AuditTrail of a store database (the team's PostgreSQL; SQLite runs it the same way in tests)."""

    def __init__(self, db: Database, *, workstation: str | None = None) -> None:
        self.db = db
        self.workstation = workstation  # the name entries carry (default: the host name)

    @property
    def where(self) -> str:
        """The store, for messages (its URL without a password)."""
        return self.db.where

    # --- writing ------------------------------------------------------------------------------------
    def record(self, action: str, outcome: str, **fields: Any) -> dict[str, Any]:
        """Append one entry (who, when, where from, what, outcome) and return it."""
        with self.db.write() as conn:
            return self._append(conn, action, outcome, fields)

    def import_entries(self, originals: Sequence[dict[str, Any]], *, source: str) -> tuple[int, int]:
        """Append each of a workstation's own entries (oldest first) as an `import` entry that carries it
        verbatim, skipping those imported before; returns (added, already there). One transaction per
        batch: an interrupted import leaves whole entries only, and running it again completes it."""
        added = present = 0
        for start in range(0, len(originals), IMPORT_BATCH):
            with self.db.write() as conn:
                self.db.serialise(conn, AUDIT_LOCK)
                for original in originals[start : start + IMPORT_BATCH]:
                    origin = str(original["hash"])
                    if conn.execute("SELECT 1 FROM audit WHERE origin = ?", (origin,)).fetchone():
                        present += 1
                        continue
                    self._append(
                        conn,
                        IMPORT_ACTION,
                        "copied",
                        {"source": source},
                        verbatim={"original": original},
                        origin=origin,
                    )
                    added += 1
        return added, present

    def imported(self) -> set[str]:
        """The hashes of the workstation entries this chain has imported."""
        with self.db.read() as conn:
            return {
                str(r["origin"]) for r in conn.execute("SELECT origin FROM audit WHERE origin IS NOT NULL")
            }

    def _append(
        self,
        conn: Connection,
        action: str,
        outcome: str,
        fields: dict[str, Any],
        *,
        verbatim: dict[str, Any] | None = None,
        origin: str | None = None,
    ) -> dict[str, Any]:
        # The lock makes "read the last row, insert the next" one step across workstations.
        self.db.serialise(conn, AUDIT_LOCK)
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(last["seq"]), str(last["hash"])) if last else (0, GENESIS)
        entry = new_entry(
            seq + 1, prev, action, outcome, fields, verbatim=verbatim, workstation=self.workstation
        )
        conn.execute(
            "INSERT INTO audit (seq, prev, hash, entry, origin) VALUES (?, ?, ?, ?, ?)",
            (entry["seq"], prev, entry["hash"], canonical(entry).decode("utf-8"), origin),
        )
        return entry

    # --- reading ------------------------------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        """Every entry that parses, oldest first (for display); `verify` says whether they can be trusted."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT entry FROM audit ORDER BY seq").fetchall()
        result = []
        for row in rows:
            try:
                result.append(json.loads(row["entry"]))
            except ValueError:
                continue
        return result

    def verify(self) -> AuditReport:
        """Check every row: its entry's hash, the chain of `prev` hashes, the row's columns against the
        entry they hold, sequence numbers without gaps, and an imported entry against its origin."""
        report = AuditReport()
        chain = ChainCheck(report, unit="entry")
        with self.db.read() as conn:
            rows = conn.execute("SELECT seq, prev, hash, entry, origin FROM audit ORDER BY seq").fetchall()
        expected = 1
        for row in rows:
            seq = int(row["seq"])
            if seq != expected:
                gone = f"Entry {expected} is" if seq == expected + 1 else f"Entries {expected}–{seq - 1} are"
                report.problems.append(f"{gone} missing before entry {seq}: rows were removed.")
            expected = seq + 1
            place = f"Entry {seq}"
            try:
                entry = json.loads(row["entry"])
            except ValueError:
                chain.unreadable(place)
                continue
            chain.check(entry, place)
            if not isinstance(entry, dict):
                continue
            if (entry.get("seq"), entry.get("prev"), entry.get("hash")) != (seq, row["prev"], row["hash"]):
                report.problems.append(
                    f"{place}'s row does not match the entry it holds (its number, previous or own hash "
                    "was changed)."
                )
            if row["origin"] is not None or entry.get("action") == IMPORT_ACTION:
                problem = _import_problem(entry, row["origin"])
                if problem:
                    report.problems.append(f"{place} {problem}")
        return report


def _import_problem(entry: dict[str, Any], origin: str | None) -> str:
    """What is wrong with an imported entry's original or its origin column (empty: nothing)."""
    original = entry.get("original")
    if entry.get("action") != IMPORT_ACTION or not isinstance(original, dict):
        return "has an origin but carries no imported entry: the row was changed."
    if original.get("hash") != entry_hash(original):
        return "carries a workstation entry whose own hash does not cover it: that entry was changed."
    if origin != original.get("hash"):
        return "does not match its origin column: the row was changed."
    return ""
