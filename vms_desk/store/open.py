"""Which store a workstation uses: VMS_DESK_STORE_URL, else settings' `store_url`, else SQLite in the home.

`sqlite:///C:/path/jobs.sqlite3` (or a plain path) names a SQLite file; `postgresql://host/db`
(`?sslmode=verify-full` for TLS) a team's PostgreSQL database. psycopg is imported only for the
latter, so a workstation on SQLite never loads it.
"""

from __future__ import annotations

import os
from pathlib import Path

from vms_desk.core.errors import InputError
from vms_desk.store.database import Database
from vms_desk.store.sqlite import SqliteDatabase

STORE_URL_ENV = "VMS_DESK_STORE_URL"
STORE_FILE = "jobs.sqlite3"
_POSTGRES = ("postgresql://", "postgres://")


def store_url(setting: str, home: Path) -> str:
    """The URL in force: the environment's, the setting's, or the home's SQLite file."""
    chosen = (os.environ.get(STORE_URL_ENV) or setting or "").strip()
    return chosen or f"sqlite:///{(home / STORE_FILE).as_posix()}"


def own_store(setting: str, home: Path) -> Path:
    """This workstation's own SQLite file: the setting's when it names one, else the home's (the
    environment is not asked: it may already point at the team store)."""
    return sqlite_path(setting.strip()) or home / STORE_FILE


def is_team_url(url: str) -> bool:
    """True for a PostgreSQL URL."""
    return url.startswith(_POSTGRES)


def sqlite_path(url: str) -> Path | None:
    """The file a sqlite:/// URL or a plain path names; None for an empty or a team URL. InputError
    for a URL of another kind."""
    if not url or is_team_url(url):
        return None
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    if "://" in url:
        raise InputError(
            f"The store URL {url.split('://', maxsplit=1)[0]}://… is not one vms_desk uses: give a "
            "postgresql://host/database URL or a sqlite:///path (or nothing, for this workstation's own)."
        )
    return Path(url).expanduser()


def open_database(url: str) -> Database:
    """The database `url` names; InputError for a URL of another kind, StorageError when it cannot be used."""
    if is_team_url(url):
        from vms_desk.store.postgres import PostgresDatabase

        return PostgresDatabase(url)
    path = sqlite_path(url)
    if path is None:
        raise InputError("No store URL was given: give a postgresql://host/database URL or a sqlite:///path.")
    return SqliteDatabase(path)
