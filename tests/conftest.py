"""Shared fixtures: simulators on free loopback ports, an isolated VMS_DESK_HOME, an HTTP client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
import pytest_asyncio
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

from vms_desk.core.models import Vendor
from vms_desk.sim.base import SimState
from vms_desk.sim.registry import RunningSim, start_sim
from vms_desk.vendors.http_client import make_http_client


@pytest.fixture
def sim_factory(tmp_path: Path) -> Iterator[Callable[..., RunningSim]]:
    """start(vendor, **state_fields) -> RunningSim; exports finish fast; all stopped afterwards."""
    running: list[RunningSim] = []

    def start(vendor: Vendor, **fields: Any) -> RunningSim:
        fields.setdefault("export_seconds", 0.3)
        fields.setdefault("workdir", tmp_path / f"sim-{vendor.value}-{len(running)}")
        fields["workdir"].mkdir(parents=True, exist_ok=True)
        sim = start_sim(vendor, state=SimState(**fields))
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()


@pytest.fixture(scope="module")
def module_sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RunningSim]]:
    """start(vendor, **state_fields) -> RunningSim kept for the whole module (stopping a simulator costs
    uvicorn ~0.2 s, which would dominate short tests); tests undo what they change: `RunningSim.reset()`."""
    running: list[RunningSim] = []

    def start(vendor: Vendor, **fields: Any) -> RunningSim:
        fields.setdefault("export_seconds", 0.3)
        fields.setdefault("workdir", tmp_path_factory.mktemp(f"sim-{vendor.value}"))
        sim = start_sim(vendor, state=SimState(**fields))
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The app's HTTP client configuration, closed after the test."""
    async with make_http_client() as client:
        yield client


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty VMS_DESK_HOME for this test."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("VMS_DESK_HOME", str(folder))
    return folder


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend: behaves like the OS store, forgets everything after the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring for the test, restore the previous backend afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# --- PostgreSQL (the team store) ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """The session's throwaway PostgreSQL server (tests/pg_server.py); skipped only where it cannot
    start and VMS_DESK_REQUIRE_POSTGRES is not set (`.ci/run` sets it)."""
    from pg_server import REQUIRE_ENV, LocalPostgres

    try:
        server = LocalPostgres().start()
    except (RuntimeError, OSError, KeyError, LookupError) as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL is required here but did not start: {exc}")
        pytest.skip(f"no PostgreSQL to test against: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database on the session's server; the store finds its password in the environment."""
    from pg_server import SUPERUSER_PASSWORD

    monkeypatch.setenv("VMS_DESK_STORE_PASSWORD", SUPERUSER_PASSWORD)
    return str(postgres.new_database())
