"""The server dialog against a real simulator: success, wrong password, unreachable, all in words;
and the server list with passwords in the keyring (or only in memory when there is none)."""

from __future__ import annotations

import json
import socket

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.ui.sources.server_dialog import ServerDialog
from vms_desk.workstation.servers import KEYRING_SERVICE, PasswordVault, SavedServer, ServersStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _not_called(config: ServerConfig, password: str | None) -> str:
    raise AssertionError("no connection test expected here")


def _dialog(qtbot, check, url: str, password: str) -> ServerDialog:
    dialog = ServerDialog(check, persistent_passwords=True)
    qtbot.addWidget(dialog)
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(Vendor.AXXON_ONE))
    dialog.url.setText(url)
    dialog.user.setText("demo")
    dialog.password.setText(password)
    return dialog


@pytest.mark.asyncio
async def test_connection_succeeds_and_counts_cameras(qtbot, workstation, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE)
    dialog = _dialog(qtbot, workstation.check_server, sim.url, "demo")
    assert await dialog.test_connection() is True
    assert "Connected" in dialog.result.text()
    assert "4 cameras found" in dialog.result.text()
    assert dialog.test_button.isEnabled()


@pytest.mark.asyncio
async def test_wrong_password_is_explained(qtbot, workstation, sim_factory):
    sim = sim_factory(Vendor.AXXON_ONE)
    dialog = _dialog(qtbot, workstation.check_server, sim.url, "not-the-password")
    with qtbot.assertNotEmitted(dialog.saved):
        assert await dialog.test_connection() is False
    text = dialog.result.text()
    assert "password" in text.lower()
    assert "Traceback" not in text
    assert "not-the-password" not in text


@pytest.mark.asyncio
async def test_unreachable_server_is_explained(qtbot, workstation):
    dialog = _dialog(qtbot, workstation.check_server, f"http://127.0.0.1:{_free_port()}", "demo")
    assert await dialog.test_connection() is False
    text = dialog.result.text()
    assert text
    assert text[0].isupper()
    assert "Traceback" not in text
    assert "127.0.0.1" in text or "reach" in text.lower() or "connect" in text.lower()


@pytest.mark.asyncio
async def test_bad_address_is_refused_before_connecting(qtbot, workstation):
    dialog = _dialog(qtbot, workstation.check_server, "ftp://example.invalid", "demo")
    assert await dialog.test_connection() is False
    assert "http://" in dialog.result.text()


def test_save_emits_config_and_password(qtbot):
    dialog = _dialog(qtbot, _not_called, "http://127.0.0.1:8000/", "secret")
    dialog.name.setText("Main station")
    with qtbot.waitSignal(dialog.saved) as signal:
        dialog.buttons.accepted.emit()
    config, password = signal.args
    assert config == ServerConfig(
        vendor=Vendor.AXXON_ONE, url="http://127.0.0.1:8000", user="demo", name="Main station"
    )
    assert password == "secret"


def test_passwords_go_to_the_keyring_never_to_the_file(tmp_path, memory_keyring):
    store = ServersStore(tmp_path, PasswordVault())
    assert store.vault.persistent
    server = SavedServer(ServerConfig(vendor=Vendor.AXIS, url="http://10.0.0.5", user="root"))
    store.put(server, "s3cret-pw")
    assert memory_keyring.items[(KEYRING_SERVICE, server.id)] == "s3cret-pw"
    text = (tmp_path / "servers.json").read_text()
    assert "s3cret-pw" not in text
    assert json.loads(text)["servers"][0]["config"]["url"] == "http://10.0.0.5"
    again = ServersStore(tmp_path, PasswordVault())
    [loaded] = again.load()
    assert loaded.id == server.id
    assert again.password(server.id) == "s3cret-pw"
    assert again.credentials(loaded.config) == "s3cret-pw"
    again.remove(server.id)
    assert (KEYRING_SERVICE, server.id) not in memory_keyring.items
    assert ServersStore(tmp_path).load() == []


def test_without_a_keyring_passwords_live_in_memory_and_the_dialog_says_so(qtbot, tmp_path):
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        vault = PasswordVault()
        assert not vault.persistent
        store = ServersStore(tmp_path, vault)
        server = SavedServer(ServerConfig(vendor=Vendor.EXACQ, url="http://10.0.0.6", user="admin"))
        store.put(server, "pw")
        assert store.password(server.id) == "pw"
        assert ServersStore(tmp_path, PasswordVault()).load()[0].id == server.id
        assert PasswordVault().get(server.id) is None  # a new session has forgotten it
        dialog = ServerDialog(_not_called, persistent_passwords=vault.persistent)
        qtbot.addWidget(dialog)
        assert "this session only" in dialog.password_note.text()
    finally:
        keyring.set_keyring(previous)


def test_demo_servers_are_not_written(tmp_path, memory_keyring):
    store = ServersStore(tmp_path, PasswordVault())
    demo = SavedServer(ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:1"), persistent=False)
    store.put(demo, "demo")
    assert store.password(demo.id) == "demo"
    assert not memory_keyring.items
    assert not (tmp_path / "servers.json").exists()
