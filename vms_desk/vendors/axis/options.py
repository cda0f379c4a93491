"""Axis export options and identifiers: what the dialog offers, and what a request may ask."""

from __future__ import annotations

from vms_desk.core.errors import InputError, NotFound
from vms_desk.core.export import ExportRequest
from vms_desk.core.options import REDACTED, Capabilities, FormatSpec, OptionKind, OptionSpec
from vms_desk.vendors.axis import requests as rq
from vms_desk.vendors.axis import wire

FORMAT = "mkv"  # vms_desk's name for exportformat=matroska
# vms_desk's names for the device's ExportFormat values (the CLI contract says `mkv`); any other format
# the device lists keeps its own name. The device's own value is what is sent (issue 9 point 13).
NAMES = {rq.MATROSKA: FORMAT}
LABELS = {rq.MATROSKA: "Matroska video (MKV)"}
EXTENSIONS = {rq.MATROSKA: "mkv"}


def format_name(device_format: str) -> str:
    """vms_desk's name for a device export format (matroska -> mkv)."""
    return NAMES.get(device_format.lower(), device_format)


def device_format(name: str, offered: tuple[str, ...]) -> str | None:
    """The device's ExportFormat value for vms_desk format `name`, among those the device offers."""
    return next((f for f in offered if format_name(f).lower() == name.strip().lower()), None)


def extension(device_format: str) -> str:
    """The file suffix of a device export format (Matroska: mkv; a choice for others: their name)."""
    return EXTENSIONS.get(device_format.lower(), device_format.lower())


# VAPIX recommends at most 99 characters "as some applications may not be able to run it" (the
# device takes up to 512 bytes): refusing longer ones keeps the evidence openable. A choice.
MAX_PASSWORD_CHARS = 99


def capabilities_from(caps: wire.ExportCapabilities) -> Capabilities:
    """The device's export formats, plus a password and encryption format when the device can encrypt."""
    offered = caps.formats or (rq.MATROSKA,)
    formats = tuple(
        FormatSpec(name=format_name(f), label=LABELS.get(f.lower(), f"{f} (as the device names it)"))
        for f in dict.fromkeys(offered)
    )
    names = tuple(f.name for f in formats)
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
        formats=names,
    )
    encryption = OptionSpec(
        name="encryptionformat",
        kind=OptionKind.CHOICE,
        label="ZIP encryption",
        help="How the ZIP is encrypted; used only with a password.",
        choices=caps.encryptions,
        formats=names,
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
