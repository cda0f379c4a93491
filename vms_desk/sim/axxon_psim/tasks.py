"""PSIM simulator archive tasks: validating `/createarchivetask` and shaping the status reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_iso
from vms_desk.sim.archive import SimCamera
from vms_desk.sim.axxon_psim.config import FULL_RIGHTS, LIVE_RIGHTS, RIGHT_ARCHIVE, cameras
from vms_desk.sim.axxon_psim.files import FORMATS
from vms_desk.sim.base import SimState
from vms_desk.sim.exports import DONE, FAILED, SimExport

# Only Created and ReadyForDownload are documented; Processing and Failed are the simulator's choice.
STATE_CREATED, STATE_RUNNING, STATE_DONE, STATE_FAILED = "Created", "Processing", "ReadyForDownload", "Failed"
FAILURE_TEXT = "Archive export error: the archive fragment could not be read"
# The server-local zone the status echoes times in, as the vendor's example (+03:00) shows.
SERVER_ZONE = timezone(timedelta(hours=3))
# The status Url names the server as it knows itself: a LAN address the workstation may not reach.
ADVERTISED_BASE = "http://192.168.15.182:80"


class TaskRefused(Exception):
    """A create request the server refuses; the text goes to `ErrorMessage`."""


def parse_task(
    body: Any, state: SimState, granted: int = FULL_RIGHTS, restricted: int = LIVE_RIGHTS
) -> tuple[SimCamera, datetime, datetime, str]:
    """(camera, start, end, format) of a create request, or TaskRefused with the server's text."""
    if not isinstance(body, dict):
        raise TaskRefused("The request body must be a JSON object")
    camera_id, fmt = str(body.get("CameraId") or ""), str(body.get("Format") or "mp4").lower()
    if not camera_id or not body.get("From"):
        raise TaskRefused("CameraId and From are required")
    listed = {str(c.index): (c, rights) for c, rights in cameras(state, granted, restricted)}
    if camera_id not in listed:
        raise TaskRefused(f"Camera {camera_id} not found")
    camera, rights = listed[camera_id]
    if not rights & RIGHT_ARCHIVE:
        raise TaskRefused(f"No rights to access the archive of camera {camera_id}")
    if fmt not in FORMATS:
        raise TaskRefused(f"Unsupported export format: {fmt}")
    try:
        start = from_iso(str(body["From"]), "PSIM")
        # Documented: without To, the archive up to the last record is exported.
        end = from_iso(str(body["To"]), "PSIM") if body.get("To") else datetime.now(UTC)
    except ProtocolError:
        raise TaskRefused("Invalid time format, expected YYYY-MM-DDTHH:MM:SS") from None
    if end <= start:
        raise TaskRefused("The end of the archive fragment is before its start")
    if not state.archive.recorded(camera.index, start, end):
        raise TaskRefused("There are no archive records in the requested interval")
    return camera, start, end, fmt


ECHO_RELABEL, ECHO_CONVERT, ECHO_UTC = "relabel", "convert", "utc"


def psim_local(value: datetime, mode: str = ECHO_RELABEL) -> str:
    """A time as the status echoes it, with milliseconds and an offset (…T15:10:00.000+03:00).

    `relabel` (the default) is the document's example taken literally: the requested UTC clock reading
    with the server's local offset attached (what .NET's `zzz` does to a UTC DateTime). `convert` is a
    correct conversion to the server's zone; `utc` answers in UTC with +00:00.
    """
    if mode == ECHO_CONVERT:
        return value.astimezone(SERVER_ZONE).isoformat(timespec="milliseconds")
    utc = value.astimezone(UTC)
    if mode == ECHO_UTC:
        return utc.isoformat(timespec="milliseconds")
    return utc.replace(tzinfo=SERVER_ZONE).isoformat(timespec="milliseconds")


def status_body(export: SimExport, echo: str = ECHO_RELABEL, stalls: bool = False) -> dict[str, Any]:
    """The `/getarchivetaskstatus` reply for one task (`stalls`: a task that never advances)."""
    state_name = {DONE: STATE_DONE, FAILED: STATE_FAILED}.get(export.state, STATE_RUNNING)
    if stalls:
        state_name = STATE_RUNNING
    return {
        "Percents": 25 if stalls else int(export.progress * 100),
        "Url": f"{ADVERTISED_BASE}/download?file={export.id}"
        if export.state == DONE and not stalls
        else None,
        "CameraId": str(export.camera.index),
        "From": psim_local(export.start, echo),
        "To": psim_local(export.end, echo),
        "ArchiveTaskId": export.id,
        # The vendor's status example has the STRING "null" when all is well.
        "ErrorMessage": export.error if export.state == FAILED and not stalls else "null",
        "State": state_name,
    }
