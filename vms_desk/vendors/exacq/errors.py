"""exacqVision replies that are refusals, as the typed errors of core.errors with a sentence for a user."""

from __future__ import annotations

from vms_desk.core.errors import (
    AuthFailed,
    ExportLost,
    NotFound,
    ProtocolError,
    ServerBusy,
    ServerError,
    VendorError,
)
from vms_desk.vendors.exacq.wire import Reply


def _detail(reply: Reply) -> str:
    return f"{reply.request} -> HTTP {reply.status}: {reply.excerpt!r}"


def reply_error(reply: Reply) -> ServerError | None:  # noqa: PLR0911 - one branch per kind of refusal
    """The error a reply stands for (after any re-login), or None when it is a success."""
    said = f": the server said {reply.text!r}" if reply.text else ""
    if reply.status == 401:
        return AuthFailed(
            f"{reply.where} refused the session even right after logging in again (HTTP 401){said}. "
            "Check that this user may use the exacqVision Web Service.",
            detail=_detail(reply),
        )
    if reply.status == 403:
        return VendorError(
            f"{reply.where} refused the request: this user lacks the permission for it{said}. "
            "Ask the exacqVision administrator for the permission (e.g. export video).",
            code="HTTP 403",
            vendor_text=reply.text,
            detail=_detail(reply),
        )
    if reply.status == 404:
        return NotFound(
            f"{reply.where} does not know what was asked for (HTTP 404){said}. Check the server address "
            "and that the camera still exists.",
            detail=_detail(reply),
        )
    if reply.status in (408, 429) or reply.status >= 500:
        return ServerBusy(
            f"{reply.where} had a problem (HTTP {reply.status}); it may be busy: try again later, and check "
            "the server if it keeps happening.",
            status=reply.status,
            detail=_detail(reply),
        )
    if reply.status >= 400 or reply.refused:
        code = f"HTTP {reply.status}" if reply.status >= 400 else "success=false"
        if not reply.text and reply.body is None:
            return ProtocolError(
                f"{reply.where} refused the request (HTTP {reply.status}).", detail=_detail(reply)
            )
        return VendorError(
            f"{reply.where} refused the request{said or ' without saying why'}. Check the camera and the "
            "times, then try again.",
            code=code,
            vendor_text=reply.text,
            detail=_detail(reply),
        )
    return None


def raise_for(reply: Reply) -> None:
    """Raise the error the reply stands for, if any."""
    if (error := reply_error(reply)) is not None:
        raise error


def export_lost(reply_where: str, export_id: str, detail: str = "") -> ExportLost:
    """The export died with the API session that made it (exacqVision deletes it at logout/expiry)."""
    server = reply_where.removeprefix("exacqVision at ")
    return ExportLost(
        f"The exacqVision session that made export {export_id} on {server} "
        "has ended (logged out, timed out or the server restarted), and the export is gone with it: "
        "exacqVision keeps an export only while the session that made it lives. Start the export again.",
        detail=detail or f"export {export_id} unknown to the server",
    )
