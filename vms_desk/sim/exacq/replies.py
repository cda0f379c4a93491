"""What the simulated exacqVision Web Service answers: every choice the public record leaves open.

VENDOR-NOTES §4 and §6.10 list what is unconfirmed; each constant or helper here that fills such a
gap says "choice", so a client written against this simulator knows what it must read leniently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse

from vms_desk.sim.exports import DONE, FAILED, SimExport

SERVER_NAME = "exacqVision Simulator"
SERVER_IDS = frozenset({"0"})  # the `s` a login may name (one recorder behind this web service)
# Choice: the Redoc documents a Formats Response for GET export.web with no parameters but hides its
# items; plain format names are the simplest shape a client must read.
FORMATS = ("mp4", "avi", "exe", "ps_zip")
DEFAULT_FORMAT = "ps_zip"  # the seed: "If left unspecified the default format ps_zip will be chosen"
# Choice: the suffix of each format's file (the Redoc: "a suffix that matches the export format").
EXTENSIONS = {"mp4": "mp4", "avi": "avi", "exe": "exe", "ps_zip": "zip"}
MEDIA_TYPES = {"mp4": "video/mp4", "avi": "video/x-msvideo"}
CAMERA_ID_BASE = 1000  # exacq camera ids are integers; camera index N is id 1000 + N
# Choice: clips are cut at whole hours (a recorder stores video in files), so clients must merge
# adjacent clips back into recorded spans.
CLIP_SECONDS = 3600
FAILURE_TEXT = "Export failed: the recorder could not read video for the requested time"
LOST_TEXT = "Invalid export ID"
SESSION_TEXT = "Invalid or expired session"


def refuse(status: int, error: str) -> JSONResponse:
    """Choice: every refusal is JSON `{"success": false, "error": ...}` with a telling HTTP status.

    401 a missing or dead session (or 200, see `build(session_status=)`), 400 a bad parameter, 403 no
    permission, 404 an unknown export, 409 a download before the export completed.
    """
    return JSONResponse({"success": False, "error": error}, status_code=status)


def login_refused(error: str) -> JSONResponse:
    """Choice: a refused login is HTTP 200 with success false, which is what public client code
    expects (it checks HTTP status first, then reads "no sessionId" as wrong credentials)."""
    return JSONResponse({"success": False, "error": error})


def login_accepted(session: str) -> JSONResponse:
    """The Redoc's login sample, trimmed. It spells the id `sessionID`; public client code reads
    `sessionId`, which is what the simulator sends (the vms_desk client reads both)."""
    return JSONResponse(
        {
            "success": True,
            "sessionId": session,
            "id": "0",
            "name": SERVER_NAME,
            "port": 22609,
            "version": "24.03.0.0",
            "model": "simulator",
            "restricted": False,
            "user_permissions": {"export_video": True, "search": True},
        }
    )


def clock(value: datetime) -> str:
    """YYYY-MM-DDTHH:MM:SSZ, the form of search clip times."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clips(spans: list[tuple[datetime, datetime]]) -> list[dict[str, str]]:
    """videoInfo[].clips for recorded spans, each span cut at whole hours."""
    found: list[dict[str, str]] = []
    for lo, hi in spans:
        cursor = lo
        while cursor < hi:
            hour = cursor.replace(minute=0, second=0, microsecond=0) + timedelta(seconds=CLIP_SECONDS)
            cut = min(hour, hi)
            found.append({"startTime": clock(cursor), "endTime": clock(cut)})
            cursor = cut
    return found


def export_file_name(name: str, fmt: str) -> str:
    """The download name: the requested `name` (path parts and quotes stripped) with the format's suffix."""
    ext = EXTENSIONS.get(fmt, fmt)
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"').strip() or "Export"
    return base if base.lower().endswith("." + ext) else f"{base}.{ext}"


def export_status(export: SimExport) -> dict[str, Any]:
    """Choice: the Status Response carries `status` (running|completed|failed), `progress` (100 =
    ready) and `size` when completed; only `progress` is confirmed. A failed export answers HTTP 200
    with `success: false` and the error (issue 9 point 7: the shape a real server sends)."""
    reply: dict[str, Any] = {"success": True, "export_id": export.id}
    if export.state == DONE:
        return {**reply, "status": "completed", "progress": 100, "size": export.files[0].stat().st_size}
    progress = min(99, int(export.progress * 100))
    if export.state == FAILED:
        return {**reply, "success": False, "status": "failed", "progress": progress, "error": export.error}
    return {**reply, "status": "running", "progress": progress}
