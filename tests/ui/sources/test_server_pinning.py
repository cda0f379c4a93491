"""The window's connection test goes through the Workstation's client pool, so a server trusted by its
certificate fingerprint is pinned there as in the jobs: a changed certificate is refused before any
credential leaves, and the trusted one connects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from vms_desk.core.models import Vendor
from vms_desk.sim.base import SimServer, SimState
from vms_desk.sim.registry import build_app
from vms_desk.ui.sources.server_dialog import ServerDialog
from vms_desk.vendors.tls import probe_fingerprint


def _https_sim(tmp_path: Path, name: str) -> SimServer:
    """An Axxon One simulator on HTTPS with its own self-signed certificate."""
    cert = trustme.CA().issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    (tmp_path / name).mkdir()
    app = build_app(Vendor.AXXON_ONE, SimState(workdir=tmp_path / name))
    return SimServer(app, certfile=str(certfile), keyfile=str(keyfile)).start()


@pytest.fixture
def trusted_and_impostor(tmp_path: Path) -> Iterator[tuple[SimServer, SimServer]]:
    servers = (_https_sim(tmp_path, "trusted"), _https_sim(tmp_path, "impostor"))
    yield servers
    for server in servers:
        server.stop()


def _dialog(qtbot, workstation, url: str, pin: str) -> ServerDialog:
    dialog = ServerDialog(workstation.check_server, persistent_passwords=True)
    qtbot.addWidget(dialog)
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(Vendor.AXXON_ONE))
    dialog.url.setText(url)
    dialog.user.setText("demo")
    dialog.password.setText("demo")
    dialog._setting_edits["tls_sha256"].setText(pin)
    return dialog


@pytest.mark.asyncio
async def test_a_changed_certificate_is_refused_before_any_credential_is_sent(
    qtbot, workstation, trusted_and_impostor
):
    trusted, impostor = trusted_and_impostor
    pin = await probe_fingerprint("127.0.0.1", trusted.port)

    good = _dialog(qtbot, workstation, trusted.url, pin)
    assert await good.test_connection() is True, good.result.text()
    assert "cameras found" in good.result.text()

    bad = _dialog(qtbot, workstation, impostor.url, pin)
    assert await bad.test_connection() is False
    assert "changed since it was trusted" in bad.result.text()
    assert impostor.app.state.requests == []  # not one request, so no password, reached it


@pytest.mark.asyncio
async def test_without_a_pin_a_self_signed_server_is_not_trusted(qtbot, workstation, trusted_and_impostor):
    trusted, _ = trusted_and_impostor
    dialog = _dialog(qtbot, workstation, trusted.url, "")
    assert await dialog.test_connection() is False
    assert "not trusted" in dialog.result.text()
    assert trusted.app.state.requests == []


def test_the_dialog_shows_the_vendors_settings_with_their_help(qtbot):
    async def never(config, password):
        raise AssertionError

    dialog = ServerDialog(never, persistent_passwords=True)
    qtbot.addWidget(dialog)
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(Vendor.VDG_SENSE))
    assert {"share_server_prefix", "share_local_path", "login", "tls_sha256"} <= set(dialog._setting_edits)
    assert "VDG server" in dialog._setting_edits["share_server_prefix"].placeholderText()
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(Vendor.AXXON_ONE))
    assert set(dialog._setting_edits) == {"prefix", "tls_sha256"}
    dialog.url.setText("http://127.0.0.1:8000")
    dialog._setting_edits["tls_sha256"].setText("not a fingerprint")
    with pytest.raises(Exception, match="SHA-256"):
        dialog.config()
