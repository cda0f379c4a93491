"""Where the engine gets a server's password: a callable the app or the CLI provides.

The engine never stores a password; it asks `credentials(server)` when it first connects to a server.
The GUI passes a lookup in its password vault (OS keyring); the CLI passes the environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from vms_desk.core.errors import InputError
from vms_desk.core.models import ServerConfig

Credentials = Callable[[ServerConfig], str | None]
# Option names treated as secret even if a vendor forgot to declare them (defence in depth).
SECRET_HINTS = ("password", "passphrase", "secret", "token")


def server_key(server: ServerConfig) -> str:
    """One string per server account: vendor, URL and user (what a connection is shared by)."""
    return f"{server.vendor.value}|{server.url}|{server.user}"


def no_credentials(_: ServerConfig) -> str | None:
    """For servers that need no password (e.g. the demo's anonymous endpoints)."""
    return None


def fixed_credentials(passwords: Mapping[str, str | None]) -> Credentials:
    """Passwords by `server_key`, held in memory only (the CLI's single server, tests)."""
    table = dict(passwords)

    def lookup(server: ServerConfig) -> str | None:
        return table.get(server_key(server))

    return lookup


def password_from_env(variable: str | None) -> str | None:
    """The password in the environment variable `variable`; InputError when it is not set."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise InputError(
            f"The environment variable {variable} is not set: put the password in it, or leave out "
            "--password-env."
        )
    return value


def looks_secret(name: str) -> bool:
    """True for option names that carry secrets by their name alone."""
    lowered = name.lower()
    return any(hint in lowered for hint in SECRET_HINTS)
