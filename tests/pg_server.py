"""A throwaway PostgreSQL server for the tests and benchmarks: initdb + pg_ctl from Debian's packages.

Started once per test session on a free loopback port, with password (SCRAM) authentication over TCP
as a team's server would have; every test gets a database of its own. As root (the CI machine), the
server runs as the `postgres` user that Debian's package creates, since PostgreSQL refuses root.
`.ci/run` sets VMS_DESK_REQUIRE_POSTGRES=1, so there a server that cannot start fails the tests
instead of skipping them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "throwaway-test-password"
REQUIRE_ENV = "VMS_DESK_REQUIRE_POSTGRES"


def pg_bin() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """One server in a temporary folder; `url(db)` for a database on it, `new_database()` for a fresh one."""

    def __init__(self, options: str = "") -> None:
        self.extra_options = options  # more `-c name=value` server settings (TLS for one test)
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("initdb/pg_ctl are not installed (scripts/setup.sh installs them)")
        self.bindir = bindir
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="vms_desk-pg-"))
        self.data = self.base / "data"
        self._as: list[str] = []
        if getattr(os, "geteuid", lambda: -1)() == 0:  # root on Linux: PostgreSQL refuses to run as root
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.base, "postgres")
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> LocalPostgres:
        """initdb and start; raises with PostgreSQL's own words when it cannot."""
        pwfile = self.base / "pw"
        pwfile.write_text(SUPERUSER_PASSWORD)
        if self._as:
            shutil.chown(pwfile, "postgres")
        try:
            self._run(
                str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
            self._pg_ctl_start()
        except subprocess.CalledProcessError as exc:
            log = (self.base / "log").read_text(errors="replace") if (self.base / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr!r} {log[-2000:]}") from exc
        return self

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A URL without a password (the store takes it from VMS_DESK_STORE_PASSWORD)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection, autocommit."""
        return psycopg.connect(self.url(dbname), password=SUPERUSER_PASSWORD, autocommit=True)

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def restart_after(self, seconds: float) -> None:
        """Stop now (immediate: connections drop as in a crash), start again after `seconds` (blocking)."""
        import time

        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        time.sleep(seconds)
        self._pg_ctl_start()

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            # A throwaway server: surviving an OS crash is not under test (fsync off); a server crash is.
            f"-c fsync=off -c full_page_writes=off {self.extra_options}"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def give(self, path: Path, mode: int = 0o600) -> Path:
        """Make a file the server reads (a TLS key) its own, readable by it alone."""
        if self._as:
            shutil.chown(path, "postgres")
        path.chmod(mode)
        return path
