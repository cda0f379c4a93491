"""The vendor catalogue as the window needs it: which vendors, their server settings with help, and the
check of a settings form (the window never imports vendor code; it asks here)."""

from __future__ import annotations

from vms_desk.core.models import Vendor

# The registry imports every vendor's client: asked for when a dialog needs it, not at start-up.


def available_vendors() -> list[Vendor]:
    """Every vendor this build speaks, in the registry's order."""
    from vms_desk.vendors.registry import SPECS

    return list(SPECS)


def settings_help(vendor: Vendor) -> dict[str, tuple[str, str]]:
    """The vendor's server-setting keys with a label and their one-line help (vendor keys first)."""
    from vms_desk.vendors.registry import spec

    model = spec(vendor).settings
    return {
        key: (model.model_fields[key].title or key.replace("_", " ").capitalize(), text)
        for key, text in model.help().items()
    }


def check_settings(vendor: Vendor, values: dict[str, str]) -> dict[str, str]:
    """The settings as stored (empty ones dropped), or InputError with a sentence."""
    from vms_desk.vendors.registry import parse_server_settings

    return parse_server_settings(vendor, {k: v for k, v in values.items() if v.strip()})
