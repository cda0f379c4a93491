"""`store roles`: setting up a team store."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from typing import Any

from .common import EXIT_OK


def add_store_parser(commands: Any) -> None:
    """The `store` subcommand and its actions."""
    store = commands.add_parser(
        "store", help="a team's shared store (PostgreSQL): roles, password, moving in"
    )
    actions = store.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "roles", help="print the SQL that creates a team store's database and roles (for psql)"
    )


def store_command(args: argparse.Namespace) -> int:
    """Run one `store` action."""
    if args.action == "roles":
        sys.stdout.write(resources.files("vms_desk.store").joinpath("roles.sql").read_text(encoding="utf-8"))
        return EXIT_OK
    raise AssertionError(args.action)  # argparse allows only the actions above
