"""`--setting KEY=VALUE`: a server's own settings (ServerConfig.settings) from the command line.

The keys each vendor client reads are listed here, in one place, so a misspelt key is refused before
any server is contacted instead of being silently ignored. Values are checked as far as that is
possible offline (a fingerprint's form, a URL, a share folder that exists here).
"""

from __future__ import annotations

from pathlib import Path

from vms_desk.core.errors import InputError
from vms_desk.core.models import Vendor, normalise_url
from vms_desk.vendors.http_client import TLS_PIN_SETTING
from vms_desk.vendors.tls import normalise_fingerprint

SHARE_PREFIX, SHARE_LOCAL = "share_server_prefix", "share_local_path"

# What each vendor client reads from ServerConfig.settings (see the vendor modules), with a hint.
VENDOR_SETTINGS: dict[Vendor, dict[str, str]] = {
    Vendor.AXXON_ONE: {"prefix": "the Web-Server prefix, e.g. /asip-api (default: none)"},
    Vendor.AXXON_PSIM: {
        "web2_url": "the web2 module's address, e.g. http://host:8085/web2 (default: the server's host on "
        "port 8085, then the server URL)",
        "web2_version": "the version sent with config.properties (default: read from web2's product/version)",
    },
    Vendor.VDG_SENSE: {
        SHARE_PREFIX: r"the export folder as the VDG server names it, e.g. D:\Exports",
        SHARE_LOCAL: r"the same folder as this workstation reads it, e.g. \\vdg01\Exports",
        "login": "auto (the documented AuthenticateUserDigest login, then HTTP Basic), digest or basic",
        "digest_nonce": "the client-type nonce of the digest login (default: the article's AR5chsWVZagPfMpB)",
        "digest_recipe": "what SHA-1 digests, in order (default nonce,timestamp,password)",
    },
    Vendor.EXACQ: {
        "server_id": "the login's server number `s` (default 0)",
        "time_zone": "the zone of the times sent: utc (default), server (config.web's offset) or e.g. "
        "America/New_York",
    },
    Vendor.AXIS: {},
}
COMMON_SETTINGS = {TLS_PIN_SETTING: "trust an HTTPS server by its certificate's SHA-256 fingerprint"}


def known_settings(vendor: Vendor) -> dict[str, str]:
    """Every setting `vendor` reads, with a one-line hint each."""
    return {**VENDOR_SETTINGS[vendor], **COMMON_SETTINGS}


def _split(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"--setting {item!r} must look like KEY=VALUE.")
    return key, value.strip()


def parse_settings(vendor: Vendor, items: list[str]) -> dict[str, str]:
    """The settings from `--setting` arguments (the last one wins), checked; InputError if not."""
    known = known_settings(vendor)
    settings: dict[str, str] = {}
    for item in items:
        key, value = _split(item)
        if key not in known:
            names = ", ".join(sorted(known))
            raise InputError(f"{vendor.display_name} has no server setting {key!r}: use one of {names}.")
        settings[key] = value
    return _checked(settings)


def _checked(settings: dict[str, str]) -> dict[str, str]:
    if settings.get(TLS_PIN_SETTING):
        settings[TLS_PIN_SETTING] = normalise_fingerprint(settings[TLS_PIN_SETTING])
    if settings.get("web2_url"):
        settings["web2_url"] = normalise_url(settings["web2_url"])
    prefix, local = settings.get(SHARE_PREFIX, ""), settings.get(SHARE_LOCAL, "")
    if bool(prefix) != bool(local):
        # One without the other would be ignored silently and the files would stay on the server.
        raise InputError(
            f"The share mapping needs both --setting {SHARE_PREFIX}=FOLDER and "
            f"--setting {SHARE_LOCAL}=FOLDER."
        )
    if local:
        folder = Path(local).expanduser().absolute()
        if not folder.is_dir():
            raise InputError(
                f"{SHARE_LOCAL} {local} is not a folder this workstation can read: check that the share is "
                "connected, or correct the path."
            )
        settings[SHARE_LOCAL] = str(folder)  # the job may run from another working folder
    return settings
