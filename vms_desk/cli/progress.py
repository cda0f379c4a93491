"""The export progress line: stderr, rewritten with `\\r`, only on a terminal."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from vms_desk.jobs.listeners import JobProgress
from vms_desk.jobs.records import JobRecord

REFRESH = 0.2


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


@dataclass
class ProgressLine:
    """Keeps the latest state per job and redraws one status line at most 5 times a second."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    labels: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    _drawn_at: float = 0.0
    _width: int = 0

    def on_record(self, record: JobRecord) -> None:
        """Engine listener: a job changed state."""
        self.labels[record.id] = record.camera_name or record.camera_id
        self.states[record.id] = str(record.state)
        self.draw(force=True)

    def on_progress(self, value: JobProgress) -> None:
        """Engine progress listener."""
        done, total = value.done, value.total
        if done or total:
            share = f" {100 * done / total:.0f}%" if total else ""
            self.figures[value.job_id] = f"{_size(done)}{share} {_size(value.rate)}/s"
        else:
            self.figures[value.job_id] = f"{100 * value.server_progress:.0f}%"
        self.draw()

    def draw(self, *, force: bool = False) -> None:
        """Redraw the line (throttled)."""
        now = time.monotonic()
        if not force and now - self._drawn_at < REFRESH:
            return
        self._drawn_at = now
        parts = [
            f"{self.labels.get(j, j[:8])}: {state} {self.figures.get(j, '')}".rstrip()
            for j, state in self.states.items()
        ]
        text = " | ".join(parts)[:200]
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        self.stream.flush()

    def close(self) -> None:
        """Clear the line so later output starts clean."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
