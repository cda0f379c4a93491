"""A server's clock against this workstation's: what was measured, how, and how exactly.

Recovery guidance asks for the device clock to be checked against a reference and the difference
recorded; this is that record (manifest `clock`, the board, the export dialog's warning).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# More than this off, and the dialog, the job's events and the board say so.
CLOCK_WARN_S = 2.0


class ClockMethod(StrEnum):
    """Where the server's time was read."""

    VENDOR = "vendor"  # the vendor's own time source (e.g. VDG Sense /info <utc>)
    HTTP_DATE = "http-date"  # the HTTP Date header of a reply, measured around the request
    UNAVAILABLE = "unavailable"  # nothing could be read: `reason` says why


class ClockReading(BaseModel):
    """Server clock minus workstation clock, in seconds (positive: the server is fast)."""

    model_config = ConfigDict(frozen=True)

    server_offset_s: float | None
    method: ClockMethod
    resolution_s: float | None  # the offset is right to within plus or minus this
    measured_at: datetime
    source: str = ""  # what was read, e.g. "GET /info <utc>"
    reason: str = ""  # why it could not be read (method unavailable)

    @property
    def off(self) -> bool:
        """True when the server is more than CLOCK_WARN_S away from this workstation."""
        return self.server_offset_s is not None and abs(self.server_offset_s) > CLOCK_WARN_S

    def sentence(self) -> str:
        """One sentence for events, the dialog and the board."""
        if self.server_offset_s is None:
            return f"The server's clock could not be read ({self.reason or 'no time source'})."
        offset = self.server_offset_s
        side = "fast" if offset > 0 else "slow"
        how = "its own time source" if self.method is ClockMethod.VENDOR else "the HTTP Date header"
        within = f", within {self.resolution_s:.1f} s" if self.resolution_s is not None else ""
        if not self.off:
            return f"The server's clock agrees with this workstation ({offset:+.1f} s by {how}{within})."
        return (
            f"The server's clock is {abs(offset):.1f} s {side} against this workstation "
            f"(by {how}{within}); times the server reports are its own."
        )
