"""The Export recording API's GeneralError codes, each with what it means for the user."""

from __future__ import annotations

from vms_desk.core.errors import VendorError
from vms_desk.vendors._words import with_server_words

# Codes and the device's own descriptions are from the VAPIX Export recording API table; the sentence
# says what happened and what to do.
MEANINGS: dict[str, str] = {
    "10": "The camera could not process the request. Try again; if it keeps failing, check the camera's "
    "storage (SD card or network share) on its web page.",
    "20": "The camera refused the request as invalid. Its firmware may not support this export; update "
    "AXIS OS, and report the problem with the log if it stays.",
    "40": "The camera does not support the export API version vms_desk uses. Update the camera's AXIS OS.",
    "110": "The recording was not found on the camera; the storage clean-up may have removed it. List the "
    "recordings again and pick a span that is still recorded.",
    "120": "The camera refused the start time. Check the start of the span.",
    "130": "The camera refused the end time. Check the end of the span.",
    "140": "The camera says the start is after the end. Pick an end after the start.",
    "150": "The start is after the end of the recording. List the recordings again and pick a recorded span.",
    "160": "The end is before the start of the recording. List the recordings again and pick a "
    "recorded span.",
    "170": "The camera cannot export in this format.",
    "180": "The camera cannot export this recording's media in this format.",
    "250": "The camera does not support this encryption format; use zip-aes256.",
    "280": "The camera cannot encrypt this export format; export without a password.",
}


def vendor_error(code: str, description: str, cgi: str, where: str) -> VendorError:
    """The VendorError for a GeneralError reply: the code's meaning, the device's words kept verbatim."""
    meaning = MEANINGS.get(code, "The camera reported an error vms_desk does not know.")
    return VendorError(
        with_server_words(f"The Axis device at {where} answered error {code}. {meaning}", description, code),
        code=code,
        vendor_text=description,
        detail=f"{cgi}: GeneralError {code} {description!r}",
    )
