"""`store roles|password|migrate`: setting up a team store and moving a workstation into it.

None of them opens the Workstation: `password` is what lets a workstation reach the team store in the
first place, and `migrate` reads this workstation's own SQLite store whatever VMS_DESK_STORE_URL says.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from vms_desk.core.errors import InputError, StorageError
from vms_desk.jobs.credentials import password_from_env
from vms_desk.paths import home_dir
from vms_desk.settings import Settings
from vms_desk.store.database import StoreUnreachable
from vms_desk.store.open import STORE_URL_ENV, is_team_url, own_store, store_url
from vms_desk.workstation.settings_file import open_settings

from .common import EXIT_OK, print_json


def add_store_parser(commands: Any) -> None:
    """The `store` subcommand and its actions."""
    store = commands.add_parser(
        "store", help="a team's shared store (PostgreSQL): roles, password, moving in"
    )
    actions = store.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "roles", help="print the SQL that creates a team store's database and roles (for psql)"
    )
    password = actions.add_parser(
        "password", help="save the team store's password in the OS keyring (asked for, never echoed)"
    )
    password.add_argument(
        "--url", metavar="URL", help="the team store (default: VMS_DESK_STORE_URL, else settings' store_url)"
    )
    password.add_argument(
        "--password-env", metavar="VAR", help="take the password from this environment variable instead"
    )
    migrate = actions.add_parser(
        "migrate", help="copy this workstation's jobs, cases and audit log into a team store"
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="the team store, postgresql://host/db")
    migrate.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="this workstation's SQLite store (default: settings' store_url, else jobs.sqlite3 in the home)",
    )
    migrate.add_argument("--json", action="store_true", help="the counts as JSON")


def store_command(args: argparse.Namespace) -> int:
    """Run one `store` action."""
    if args.action == "roles":
        sys.stdout.write(resources.files("vms_desk.store").joinpath("roles.sql").read_text(encoding="utf-8"))
        return EXIT_OK
    if args.action == "password":
        return _password(args)
    return _migrate(args)


def _settings(home: Path) -> Settings:
    notices: list[str] = []
    settings = open_settings(home, notices)
    for notice in notices:
        sys.stderr.write(f"warning: {notice}\n")
    return settings


def _password(args: argparse.Namespace) -> int:
    """Ask for the password, check it against the store, and keep it in the OS keyring."""
    from vms_desk.store.postgres import (
        KEYRING_SERVICE,
        PASSWORD_ENV,
        PostgresDatabase,
        conninfo,
        keyring_user,
    )

    home = home_dir(create=True)
    url = args.url or store_url(_settings(home).store_url, home)
    if not is_team_url(url):
        raise InputError(
            "This workstation uses its own SQLite store, which needs no password: give the team store "
            f"with --url postgresql://host/database, or set {STORE_URL_ENV} or settings' store_url first."
        )
    params = conninfo(url)  # refuses a URL with a password in it
    who = keyring_user(params)
    if args.password_env:
        password = password_from_env(args.password_env) or ""
    else:
        password = getpass.getpass(f"Password for the team store {who}: ")
    if not password:
        raise InputError("No password was given, so nothing was saved.")
    checked = "the store accepted it"
    try:
        PostgresDatabase(url, password=password).close()
    except StoreUnreachable:
        checked = "the store could not be reached to check it"
    except StorageError as exc:
        raise StorageError(
            f"The team store {who} did not let this login in with that password, so it was not saved.",
            detail=exc.detail,
        ) from exc
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, who, password)
    except Exception as exc:  # each keyring backend raises its own errors (no backend, locked, D-Bus...)
        raise StorageError(
            f"The password could not be saved in the OS keyring ({type(exc).__name__}); set {PASSWORD_ENV} "
            "in the workstation's environment instead.",
            detail=str(exc),
        ) from exc
    sys.stdout.write(f"The password for {who} is saved in the OS keyring; {checked}.\n")
    if os.environ.get(PASSWORD_ENV, password) != password:
        sys.stdout.write(
            f"Note: {PASSWORD_ENV} is set here to another password, and is used before the keyring.\n"
        )
    return EXIT_OK


def _migrate(args: argparse.Namespace) -> int:
    """Copy this workstation's store and audit log into the team store; the counts."""
    from vms_desk.workstation.root import workstation_name
    from vms_desk.workstation.team_move import move_to_team

    home = home_dir(create=True)
    settings = _settings(home)
    source = args.source or own_store(settings.store_url, home)
    report = move_to_team(home, source.expanduser(), args.to.strip(), workstation=workstation_name(settings))
    if args.json:
        print_json(report.as_dict())
        return EXIT_OK
    sys.stdout.write(
        f"jobs: {report.jobs_copied} copied, {report.jobs_present} already there\n"
        f"events: {report.events_copied} copied (with their jobs)\n"
        f"cases: {report.cases_copied} copied, {report.cases_present} already there\n"
        f"audit entries: {report.audit_copied} copied, {report.audit_present} already there\n"
        "Checked: the copied jobs read back as they were, and the team's audit chain "
        f"({report.team_audit_entries} entries) is intact in {report.team}.\n"
        f'Point this workstation at it: "store_url" in settings.json, or {STORE_URL_ENV}.\n'
    )
    return EXIT_OK
