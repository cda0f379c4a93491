"""The error hierarchy: every error carries a sentence a user understands.

`str(error)` is that sentence (what happened and what to do). `detail` holds what belongs in the log
only. `transient` tells the job engine whether a retry with backoff may help.
"""

from __future__ import annotations


class VmsDeskError(Exception):
    """Base of every error vms_desk raises on purpose."""

    transient = False

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class InputError(VmsDeskError):
    """The user's input is refused before any server is contacted (CLI exit 2)."""


class ServerError(VmsDeskError):
    """Something went wrong talking to a server."""


class ConnectionFailed(ServerError):
    """The server could not be reached, or the connection dropped."""

    transient = True


class TlsError(ServerError):
    """The server's certificate was refused."""


class AuthFailed(ServerError):
    """The server refused the user name or password."""


class ServerBusy(ServerError):
    """The server answered 5xx/503 or timed out: trying again later may work."""

    transient = True

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.status = status


class ProtocolError(ServerError):
    """The server's reply could not be understood (malformed, oversized, unexpected)."""


class NotFound(ServerError):
    """The server does not know the camera, export or file asked for."""


class VendorError(ServerError):
    """The vendor reported its own error: keeps the vendor's code and text verbatim."""

    def __init__(self, message: str, *, code: str, vendor_text: str = "", detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.code = code
        self.vendor_text = vendor_text


class ExportLost(ServerError):
    """The server no longer knows an export id (e.g. the API session that owned it ended)."""


class ExportStalled(ServerError):
    """The server's export stopped changing for longer than the vendor's stall limit."""


class StorageError(VmsDeskError):
    """A local file could not be written: folder not writable, disk full."""


class Cancelled(VmsDeskError):
    """The user cancelled the job."""


class IntegrityError(VmsDeskError):
    """A downloaded file does not match what the server announced (size) or what was recorded (hash)."""
