"""Fault switches shared by every simulator: latency, 5xx, dropped or slow downloads, failing exports,
expiry."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Faults:
    """Switches a test or demo flips; one-shot counters decrement as they fire (thread-safe)."""

    latency: float = 0.0  # seconds added to every request
    fail_next: int = 0  # the next N requests (other than /_sim) answer `fail_status`
    fail_status: int = 500
    fail_path: str = ""  # only requests whose path contains this fail ("" = any)
    fail_query: str = ""  # ... and whose query string contains this ("" = any), e.g. "action=download"
    drop_after: int | None = None  # the next download(s) drop the connection after N body bytes
    drop_count: int = 1
    export_fails: int = 0  # the next N exports fail with the vendor's own error
    expire_sessions: bool = False  # invalidate every session/token now (cleared once applied)
    throttle_bps: int = 0  # file downloads send at most this many bytes a second (0 = no limit)
    stall_exports: bool = False  # server-side exports never advance: progress frozen, never done

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def update(self, **changes: Any) -> None:
        """Set switches by name; unknown names are refused."""
        with self._lock:
            for key, value in changes.items():
                if key.startswith("_") or not hasattr(self, key):
                    raise KeyError(f"unknown fault switch {key!r}")
                setattr(self, key, value)

    def reset(self) -> None:
        """Every switch off."""
        self.update(**asdict(Faults()))

    def take_failure(self, path: str, query: str = "") -> int | None:
        """The status to fail this request with, consuming one `fail_next`, or None."""
        with self._lock:
            if (
                self.fail_next > 0
                and (not self.fail_path or self.fail_path in path)
                and (not self.fail_query or self.fail_query in query)
            ):
                self.fail_next -= 1
                return self.fail_status
            return None

    def take_drop(self) -> int | None:
        """Bytes after which this download drops, consuming one, or None."""
        with self._lock:
            if self.drop_after is not None and self.drop_count > 0:
                self.drop_count -= 1
                limit = self.drop_after
                if self.drop_count == 0:
                    self.drop_after = None
                return limit
            return None

    def take_export_failure(self) -> bool:
        """True when this export must fail, consuming one."""
        with self._lock:
            if self.export_fails > 0:
                self.export_fails -= 1
                return True
            return False

    def take_expiry(self) -> bool:
        """True once after `expire_sessions` was switched on."""
        with self._lock:
            if self.expire_sessions:
                self.expire_sessions = False
                return True
            return False

    def as_dict(self) -> dict[str, Any]:
        """Current switches."""
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}
