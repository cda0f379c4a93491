"""The store tests run once per engine: SQLite and PostgreSQL must behave the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from vms_desk.jobs.store import JobStore
from vms_desk.store.database import Database
from vms_desk.store.open import open_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for a new, empty store of each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'jobs.sqlite3').as_posix()}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def database(store_url: str) -> Database:
    """The store's database, migrated."""
    db = open_database(store_url)
    JobStore(db)
    return db


@pytest.fixture
def store(database: Database) -> JobStore:
    """A job store on each engine."""
    return JobStore(database)
