"""`vms-desk store password`: checked against the team store, kept in the OS keyring (never a file), and
then found there by every connection the workstation opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pg_server import SUPERUSER_PASSWORD

from vms_desk.cli import main
from vms_desk.jobs.store import JobStore
from vms_desk.store.open import open_database
from vms_desk.store.postgres import KEYRING_SERVICE, conninfo, keyring_user


@pytest.fixture
def team_url(pg_url: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A team store this workstation points at, with no password in the environment."""
    JobStore(open_database(pg_url))
    monkeypatch.setenv("VMS_DESK_STORE_URL", pg_url)
    monkeypatch.delenv("VMS_DESK_STORE_PASSWORD")
    return pg_url


def test_the_password_asked_for_is_checked_and_saved_in_the_keyring(
    team_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or SUPERUSER_PASSWORD)
    assert main(["store", "password"]) == 0
    who = keyring_user(conninfo(team_url))
    assert prompts == [f"Password for the team store {who}: "]
    assert memory_keyring.items == {(KEYRING_SERVICE, who): SUPERUSER_PASSWORD}
    assert "saved in the OS keyring; the store accepted it" in capsys.readouterr().out
    # With nothing in the environment, the store is reached with the keyring's password.
    assert JobStore(open_database(team_url)).jobs() == []


def test_password_env_names_the_variable_and_url_the_store(
    pg_url: str, home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMS_DESK_STORE_URL", raising=False)
    monkeypatch.setenv("TEAM_PW", SUPERUSER_PASSWORD)
    assert main(["store", "password", "--url", pg_url, "--password-env", "TEAM_PW"]) == 0
    assert memory_keyring.items == {(KEYRING_SERVICE, keyring_user(conninfo(pg_url))): SUPERUSER_PASSWORD}


def test_a_wrong_password_is_not_saved(
    team_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEAM_PW", "not-it")
    assert main(["store", "password", "--password-env", "TEAM_PW"]) == 1
    assert memory_keyring.items == {}
    err = capsys.readouterr().err
    assert "did not let this login in with that password, so it was not saved" in err


def test_an_unreachable_store_still_gets_the_password_with_a_word_about_it(
    home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEAM_PW", "secret")
    url = "postgresql://ws@127.0.0.1:1/team"
    assert main(["store", "password", "--url", url, "--password-env", "TEAM_PW"]) == 0
    assert memory_keyring.items == {(KEYRING_SERVICE, "ws@127.0.0.1:1/team"): "secret"}
    assert "the store could not be reached to check it" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "uses its own SQLite store, which needs no password"),
        (["--url", "postgresql://ws:pw@db/team"], "contains a password"),
    ],
)
def test_refused_without_a_team_store_or_with_a_password_in_the_url(
    home: Path,
    memory_keyring: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    words: str,
) -> None:
    monkeypatch.delenv("VMS_DESK_STORE_URL", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pytest.fail("asked for a password"))
    assert main(["store", "password", *args]) == 2
    assert words in capsys.readouterr().err
    assert memory_keyring.items == {}
