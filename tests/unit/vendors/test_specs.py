"""Every vendor is described once, completely: the registry's SPECs are enumerated and each checked."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vms_desk.core.errors import InputError
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.core.options import Capabilities
from vms_desk.sim.base import SimState
from vms_desk.vendors.registry import SPECS, parse_server_settings, static_capabilities
from vms_desk.vendors.spec import ServerSettings, VendorSpec

ALL = list(SPECS.values())


def test_every_vendor_has_exactly_one_spec() -> None:
    assert set(SPECS) == set(Vendor)
    assert all(key is spec.vendor for key, spec in SPECS.items())


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.key)
def test_the_spec_is_complete(spec: VendorSpec, tmp_path: Path) -> None:
    # key and display name
    assert spec.key == spec.vendor.value
    assert spec.display_name
    # the client implements the protocol and takes (config, password, http)
    assert isinstance(spec.client, type)
    assert list(inspect.signature(spec.client).parameters)[:3] == ["config", "password", "http"]
    for method in ("connect", "list_cameras", "recordings", "capabilities", "start_export", "poll", "finish"):
        assert inspect.iscoroutinefunction(getattr(spec.client, method)), method
    # settings: a model with a one-line help for every key, the TLS pin among them
    assert issubclass(spec.settings, ServerSettings)
    help_texts = spec.settings.help()
    assert "tls_sha256" in help_texts
    for key, text in help_texts.items():
        assert text, f"{spec.key}: setting {key} needs a help text"
        assert "\n" not in text, f"{spec.key}: setting {key} needs a one-line help"
    # static capabilities: declared, or None when only the server knows
    config = ServerConfig(vendor=spec.vendor, url="http://192.0.2.1")
    known = static_capabilities(config)
    assert known is None or (isinstance(known, Capabilities) and known.formats)
    # the simulator builds an app without starting a server
    assert callable(spec.simulator(SimState(workdir=tmp_path)))
    # the wire time codec round-trips an instant (to the vendor's precision: whole seconds here)
    instant = datetime(2026, 3, 29, 0, 59, 58, tzinfo=UTC)
    assert spec.time_codec.decode(spec.time_codec.encode(instant)) == instant


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.key)
def test_a_misspelt_setting_is_refused_naming_the_known_ones(spec: VendorSpec) -> None:
    with pytest.raises(InputError) as caught:
        parse_server_settings(spec.vendor, {"tls_sha265": "x"})
    assert "tls_sha256" in str(caught.value)


def test_settings_are_checked_and_normalised() -> None:
    pin = "ab" * 32
    stored = parse_server_settings(Vendor.AXIS, {"tls_sha256": pin})
    assert stored == {"tls_sha256": ":".join(["AB"] * 32)}
    with pytest.raises(InputError, match="SHA-256"):
        parse_server_settings(Vendor.AXIS, {"tls_sha256": "abc"})
    with pytest.raises(InputError, match="share_local_path"):
        parse_server_settings(Vendor.VDG_SENSE, {"share_server_prefix": r"D:\Exports"})
    assert parse_server_settings(Vendor.AXXON_PSIM, {"web2_url": "host:8085/web2"}) == {
        "web2_url": "http://host:8085/web2"
    }
    assert parse_server_settings(Vendor.EXACQ, {}) == {}


def test_the_check_would_see_an_incomplete_spec() -> None:
    """A spec whose settings lack a help text fails the completeness check above."""

    class Bare(ServerSettings):
        undocumented: str = ""

    assert Bare.help()["undocumented"] == ""
