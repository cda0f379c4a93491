"""The stall check around status polling: a server export whose progress stops changing fails.

A server can accept an export and then report the same progress for ever (a stuck render, a lost
device). Without a limit the job would poll until someone notices. The limit is per vendor because
their progress grain differs (see Settings.stall_limits); any change of the progress or of the
server's own state word counts as movement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vms_desk.core.errors import ExportStalled
from vms_desk.core.models import Vendor
from vms_desk.core.protocol import ExportStatus

# Seconds without any change before a job fails. Ten minutes where progress is a fine fraction or a
# per-cent figure of one export (Axxon One, exacqVision, Axis); fifteen where one per cent of a long
# export can take minutes and the in-progress words are undocumented (PSIM `Percents`, VDG Sense's
# per-device 0-100 on a server writing to its own disk).
DEFAULT_STALL_LIMITS: dict[Vendor, float] = {
    Vendor.AXXON_ONE: 600.0,
    Vendor.AXXON_PSIM: 900.0,
    Vendor.VDG_SENSE: 900.0,
    Vendor.EXACQ: 600.0,
    Vendor.AXIS: 600.0,
}


def stall_limit(vendor: Vendor, limits: Mapping[str, float]) -> float:
    """The vendor's limit: settings' value by the vendor's name (e.g. "exacq"), else the default."""
    return float(limits.get(vendor.value, DEFAULT_STALL_LIMITS[vendor]))


@dataclass
class StallWatch:
    """Remembers when the server's progress (or state word) last changed, and fails past `limit` s."""

    limit: float
    clock: Callable[[], float] = time.monotonic
    progress: float | None = None
    state: str = ""
    since: float = field(default=0.0)

    def seen(self, status: ExportStatus) -> bool:
        """Take one poll's answer; True when it differs from the last one (the clock restarts)."""
        progress = max(0.0, min(1.0, status.progress))
        if self.progress is not None and progress == self.progress and status.state == self.state:
            return False
        self.progress, self.state, self.since = progress, status.state, self.clock()
        return True

    @property
    def still_for(self) -> float:
        """Seconds since the last change."""
        return max(0.0, self.clock() - self.since)

    def check(self) -> None:
        """Raise ExportStalled once nothing has changed for longer than the limit."""
        if self.progress is None or self.still_for < self.limit:
            return
        state = f' The server\'s last state: "{self.state}".' if self.state else ""
        raise ExportStalled(
            f"The server's export made no progress for {_seconds_text(self.limit)} (it stayed at "
            f"{self.progress:.0%}), so vms_desk stopped waiting and cancelled it; try again later, or "
            f"raise the stall limit in settings.json if this server is slow.{state}",
            detail=f"no change for {self.still_for:.1f} s (limit {self.limit:.1f} s)",
        )


def _seconds_text(seconds: float) -> str:
    """600 -> '10 min', 90 -> '90 s' (limits are set in seconds; whole minutes read better)."""
    whole = round(seconds)
    return f"{whole // 60} min" if whole >= 60 and whole % 60 == 0 else f"{whole} s"
