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
from vms_desk.vendors._words import with_server_words
from vms_desk.vendors.exacq.wire import Reply


def _detail(reply: Reply) -> str:
    return f"{reply.request} -> HTTP {reply.status}: {reply.excerpt!r}"


def reply_error(reply: Reply) -> ServerError | None:  # noqa: PLR0911 - one branch per kind of refusal
    """The error a reply stands for (after any re-login), or None when it is a success.

    Every message is our sentence followed by the server's own text and code (build item 4).
    """
    code = f"HTTP {reply.status}" if reply.status >= 400 else "success: false"
    if reply.status == 401:
        return AuthFailed(
            with_server_words(
                f"{reply.where} refused the session even right after logging in again. Check that this user "
                "may use the exacqVision Web Service",
                reply.text,
                code,
            ),
            detail=_detail(reply),
        )
    if reply.status == 403:
        return VendorError(
            with_server_words(
                f"{reply.where} refused the request: this user lacks the permission for it. Ask the "
                "exacqVision administrator for the permission (e.g. export video)",
                reply.text,
                code,
            ),
            code=code,
            vendor_text=reply.text,
            detail=_detail(reply),
        )
    if reply.status == 404:
        return NotFound(
            with_server_words(
                f"{reply.where} does not know what was asked for. Check the server address and that the "
                "camera still exists",
                reply.text,
                code,
            ),
            detail=_detail(reply),
        )
    if reply.status in (408, 429) or reply.status >= 500:
        return ServerBusy(
            with_server_words(
                f"{reply.where} had a problem; it may be busy: try again later, and check the server if it "
                "keeps happening",
                reply.text,
                code,
            ),
            status=reply.status,
            detail=_detail(reply),
        )
    if reply.status >= 400 or reply.refused:
        if not reply.text and reply.body is None:
            return ProtocolError(
                with_server_words(f"{reply.where} refused the request", "", code), detail=_detail(reply)
            )
        return VendorError(
            with_server_words(
                f"{reply.where} refused the request. Check the camera and the times, then try again",
                reply.text,
                code,
            ),
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
