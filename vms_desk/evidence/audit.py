"""The append-only audit log: JSON lines under VMS_DESK_HOME, each carrying the previous line's hash.

A changed line breaks its own hash; a removed or reordered line breaks the next line's `prev`; a removed
tail is caught by the head file (`audit.head`), which records the last sequence number and hash.
Secrets never reach the log: callers pass options through `core.options.redact` and `record` refuses
keys that look like credentials.
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
# "case" (created, closed, reopened...), "annotate" and "reassign".
ACTIONS = frozenset(
    {"export", "download", "verify", "delete", "cancel", "retry", "server", "case", "annotate", "reassign"}
    | {"working-copy", "report", "bundle"}
)
_SECRET_KEYS = frozenset({"password", "passwd", "token", "secret", "access_token", "authorization"})


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(_canonical(body)).hexdigest()


def _scrub(value: Any) -> Any:
    """Replace any value under a credential-like key with ***, however deep."""
    if isinstance(value, dict):
        return {k: (REDACTED if str(k).lower() in _SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


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

    def __init__(self, home: Path) -> None:
        self.path = home / LOG_NAME
        self.head_path = home / HEAD_NAME
        self.lock_path = home / "audit.lock"

    @property
    def where(self) -> str:
        """The log file, for messages."""
        return str(self.path)

    def record(self, action: str, outcome: str, **fields: Any) -> dict[str, Any]:
        """Append one entry (who, when, where from, what, outcome) and return it."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with locked(self.lock_path):
            seq, prev = self._head()
            entry: dict[str, Any] = {
                "seq": seq + 1,
                "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "user": _user(),
                "workstation": platform.node(),
                "action": action,
                "outcome": outcome,
                **_scrub(fields),
                "prev": prev,
            }
            entry["hash"] = _entry_hash(entry)
            line = _canonical(entry) + b"\n"
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
        prev, seq = GENESIS, 0
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                report.problems.append(f"Line {number} is not valid JSON: it was changed or damaged.")
                prev = ""
                continue
            report.entries += 1
            if not isinstance(entry, dict) or entry.get("hash") != _entry_hash(entry):
                report.problems.append(
                    f"Line {number} (entry {_seq(entry)}) was changed after it was written."
                )
            if isinstance(entry, dict) and entry.get("prev") != prev:
                report.problems.append(
                    f"Line {number} (entry {_seq(entry)}) does not follow the line before it: "
                    "a line was removed, inserted or reordered."
                )
            prev = str(entry.get("hash", "")) if isinstance(entry, dict) else ""
            seq = int(entry.get("seq", 0)) if isinstance(entry, dict) else seq
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
    """The outcome of `AuditLog.verify`: how many entries, and each problem as a sentence."""

    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def _seq(entry: Any) -> str:
    return str(entry.get("seq", "?")) if isinstance(entry, dict) else "?"


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
