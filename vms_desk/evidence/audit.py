"""The append-only audit log: JSON lines under VMS_DESK_HOME, each carrying the previous line's hash.

A changed line breaks its own hash; a removed or reordered line breaks the next line's `prev`; a removed
tail is caught by the head file (`audit.head`), which records the last sequence number and hash.
Secrets never reach the log: callers pass options through `core.options.redact` and `record` refuses
keys that look like credentials.

The entry's form, its hashing and the chain check are shared with a team store's audit table
(`vms_desk.store.audit_chain`), so an entry means and verifies the same wherever it is kept.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from vms_desk.core.options import REDACTED
from vms_desk.evidence.filelock import locked

LOG_NAME = "audit.jsonl"
HEAD_NAME = "audit.head"
GENESIS = "0" * 64
# Chain of custody (vms_desk.custody): "working-copy", "report", "bundle"; cases and the supervisor board:
# "case" (created, closed, reopened...), "annotate" and "reassign"; a team store: "import" (a workstation's
# own entry, carried verbatim into the team's chain by `vms-desk store migrate`).
ACTIONS = frozenset(
    {"export", "download", "verify", "delete", "cancel", "retry", "server", "case", "annotate", "reassign"}
    | {"working-copy", "report", "bundle", "import", "engine"}
)
_SECRET_KEYS = frozenset({"password", "passwd", "token", "secret", "access_token", "authorization"})


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes that are hashed and stored: sorted keys, no spaces, UTF-8."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    """The SHA-256 of the entry without its own `hash`."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def scrub(value: Any) -> Any:
    """Replace any value under a credential-like key with ***, however deep."""
    if isinstance(value, dict):
        return {k: (REDACTED if str(k).lower() in _SECRET_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def new_entry(
    seq: int,
    prev: str,
    action: str,
    outcome: str,
    fields: dict[str, Any],
    *,
    verbatim: dict[str, Any] | None = None,
    workstation: str | None = None,
) -> dict[str, Any]:
    """The next entry of a chain (who, when, where from, what, outcome), hashed. `fields` are scrubbed of
    secrets; `verbatim` fields are not (an imported entry must keep the bytes its own hash covers, and it
    was scrubbed when it was first written). ValueError for an action that is not in ACTIONS."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry: dict[str, Any] = {
        "seq": seq,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": _user(),
        "workstation": workstation or platform.node(),
        "action": action,
        "outcome": outcome,
        **scrub(fields),
        **(verbatim or {}),
        "prev": prev,
    }
    entry["hash"] = entry_hash(entry)
    return entry


class AuditTrail(Protocol):
    """Where audit entries go: this workstation's file (AuditLog) or a team store's table."""

    @property
    def where(self) -> str:
        """The log for messages: its file, or the team store's URL without a password."""

    def record(self, action: str, outcome: str, **fields: Any) -> dict[str, Any]:
        """Append one entry and return it."""

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first."""

    def verify(self) -> AuditReport:
        """Check the whole chain."""


class AuditLog:
    """Appends hash-chained entries; safe for the GUI and the CLI writing at once."""

    def __init__(self, home: Path, *, workstation: str | None = None) -> None:
        self.workstation = workstation  # the name entries carry (default: the host name)
        self.path = home / LOG_NAME
        self.head_path = home / HEAD_NAME
        self.lock_path = home / "audit.lock"

    @property
    def where(self) -> str:
        """The log file, for messages."""
        return str(self.path)

    def record(self, action: str, outcome: str, **fields: Any) -> dict[str, Any]:
        """Append one entry (who, when, where from, what, outcome) and return it."""
        with locked(self.lock_path):
            seq, prev = self._head()
            entry = new_entry(seq + 1, prev, action, outcome, fields, workstation=self.workstation)
            line = canonical(entry) + b"\n"
            with self.path.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            tmp = self.head_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": entry["seq"], "hash": entry["hash"]}), encoding="utf-8")
            os.replace(tmp, self.head_path)
        return entry

    def _head(self) -> tuple[int, str]:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["hash"])
        except FileNotFoundError:
            return 0, GENESIS
        except (ValueError, KeyError, TypeError):
            # A damaged head must not silently restart the chain: continue from the log itself.
            entries = list(self.entries())
            return (entries[-1]["seq"], entries[-1]["hash"]) if entries else (0, GENESIS)

    def entries(self) -> list[dict[str, Any]]:
        """Every entry that parses (for display); `verify` says whether they can be trusted."""
        if not self.path.exists():
            return []
        result = []
        for line in self.path.read_bytes().splitlines():
            try:
                result.append(json.loads(line))
            except ValueError:
                continue
        return result

    def verify(self) -> AuditReport:
        """Check every line's hash, the chain of `prev` hashes, and the head."""
        report = AuditReport()
        if not self.path.exists():
            if self.head_path.exists():
                report.problems.append("The audit log is missing but its head file exists: it was removed.")
            return report
        chain = ChainCheck(report, unit="line")
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                chain.unreadable(f"Line {number}")
                continue
            chain.check(entry, f"Line {number} (entry {_seq(entry)})")
        prev, seq = chain.prev, chain.seq
        head_seq, head_hash = self._read_head()
        if head_seq is not None and (head_seq != seq or head_hash != prev):
            report.problems.append(
                f"The log ends at entry {seq} but its head records entry {head_seq}: "
                "lines were removed from the end or the log was replaced."
            )
        return report

    def _read_head(self) -> tuple[int | None, str]:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["hash"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None, ""


@dataclass
class AuditReport:
    """The outcome of `AuditTrail.verify`: how many entries, and each problem as a sentence."""

    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


class ChainCheck:
    """Walks a chain entry by entry, oldest first, adding a sentence to `report` for each problem: an entry
    whose hash does not cover it, or one whose `prev` is not the hash of the one before it."""

    def __init__(self, report: AuditReport, *, unit: str) -> None:
        self.report = report
        self.unit = unit  # what one entry is called in the sentences: "line" (a file) or "entry" (a table)
        self.prev = GENESIS
        self.seq = 0

    def check(self, entry: Any, place: str) -> None:
        """Check the next entry; `place` names it for the user ("Line 3 (entry 3)", "Entry 3")."""
        self.report.entries += 1
        if not isinstance(entry, dict) or entry.get("hash") != entry_hash(entry):
            self.report.problems.append(f"{place} was changed after it was written.")
        if isinstance(entry, dict) and entry.get("prev") != self.prev:
            self.report.problems.append(
                f"{place} does not follow the {self.unit} before it: "
                f"{'an' if self.unit[0] in 'aeiou' else 'a'} {self.unit} was removed, inserted or reordered."
            )
        self.prev = str(entry.get("hash", "")) if isinstance(entry, dict) else ""
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
            self.seq = entry["seq"]

    def unreadable(self, place: str) -> None:
        """The next entry cannot be read at all; the one after it cannot be linked either."""
        self.report.problems.append(f"{place} is not valid JSON: it was changed or damaged.")
        self.prev = ""


def _seq(entry: Any) -> str:
    return str(entry.get("seq", "?")) if isinstance(entry, dict) else "?"


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
