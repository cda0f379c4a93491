"""Axis export options and identifiers: what the dialog offers, and what a request may ask."""

from __future__ import annotations

from vms_desk.core.errors import InputError, NotFound
from vms_desk.core.export import ExportRequest
from vms_desk.core.options import REDACTED, Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.vendors.axis import requests as rq
from vms_desk.vendors.axis import wire

FORMAT = "mkv"  # vms_desk's name for exportformat=matroska
# VAPIX recommends at most 99 characters "as some applications may not be able to run it" (the
# device takes up to 512 bytes): refusing longer ones keeps the evidence openable. A choice.
MAX_PASSWORD_CHARS = 99


def capabilities_from(caps: wire.ExportCapabilities) -> Capabilities:
    """MKV, plus a password and encryption format when the device can encrypt."""
    formats = (FormatSpec(name=FORMAT, label="Matroska video (MKV)"),)
    if not caps.encryptions:
        return Capabilities(formats=formats)
    default = rq.ZIP_AES256 if rq.ZIP_AES256 in caps.encryptions else caps.encryptions[0]
    password = OptionSpec(
        name="password",
        kind=OptionKind.SECRET,
        label="ZIP password",
        help="When given, the camera packs the MKV into a ZIP encrypted with this password "
        "(AES-256). vms_desk does not store it: keep it safe. It travels in the request to the "
        "camera, so prefer an https:// address.",
        maximum=MAX_PASSWORD_CHARS,
        formats=(FORMAT,),
    )
    encryption = OptionSpec(
        name="encryptionformat",
        kind=OptionKind.CHOICE,
        label="ZIP encryption",
        help="How the ZIP is encrypted; used only with a password.",
        choices=caps.encryptions,
        formats=(FORMAT,),
        default=default,
    )
    return Capabilities(formats=formats, options=(password, encryption))


def source_of(camera_id: str) -> str:
    """The video source number a camera id names ("1", "2", ...)."""
    text = camera_id.strip()
    if not text.isdigit() or int(text) < 1:
        raise NotFound(
            f"An Axis device has no camera {camera_id!r}: its cameras are its video sources, "
            "numbered 1, 2, ... (see `vms-desk cameras`)."
        )
    return str(int(text))


def encryption_of(request: ExportRequest) -> tuple[str, str]:
    """(password, encryption format) from the options; no password means no encryption."""
    password = request.options.get("password") or ""
    encryption = request.options.get("encryptionformat") or ""
    if not isinstance(password, str) or not isinstance(encryption, str):
        raise InputError("The options password and encryptionformat must be text.")
    if password == REDACTED:
        # A stored request has its secrets replaced by ***: never encrypt with that.
        raise InputError("The ZIP password was not kept (vms_desk never stores it): give it again.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"The ZIP password is too long: at most {MAX_PASSWORD_CHARS} characters.")
    if encryption and not password:
        raise InputError("encryptionformat applies only to a password-protected ZIP: give a password too.")
    if not password:
        return "", ""
    return password, encryption or rq.ZIP_AES256
