"""The Workstation: the one place that builds the settings, job store, audit log, client pool and engine.

The window (app.py) and every CLI command open one and take what they need from it, so an export
made anywhere is audited, honours settings.json and reaches servers through the same client pool
(which applies TLS pins everywhere). Nothing else constructs `Engine`, `JobStore`, `AuditLog` or
`TeamAuditLog` (tests/unit/test_layering.py checks that). On a team store (PostgreSQL) the audit log is
the team's chain in the store; on this workstation's SQLite it is audit.jsonl in the home.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from vms_desk.cases.book import CaseBook
from vms_desk.cases.rules import Case, check_number, check_takes_exports
from vms_desk.core.clock import ClockReading
from vms_desk.core.errors import InputError, StorageError
from vms_desk.core.models import ServerConfig
from vms_desk.evidence import audit_spool
from vms_desk.evidence.audit import AuditLog, AuditTrail
from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.clients import ClientPool
from vms_desk.jobs.clock import measure_clock
from vms_desk.jobs.control import JobControl
from vms_desk.jobs.credentials import server_key
from vms_desk.jobs.engine import Engine
from vms_desk.jobs.store import JobStore
from vms_desk.paths import HOME_ENV, home_dir
from vms_desk.settings import Settings
from vms_desk.store.audit_chain import TeamAuditLog
from vms_desk.store.open import open_database, store_url
from vms_desk.vendors.http_client import make_http_client
from vms_desk.workstation.servers import PasswordVault, ServersStore
from vms_desk.workstation.settings_file import open_settings, set_aside
from vms_desk.workstation.supervision import Supervision

if TYPE_CHECKING:
    from vms_desk.custody.case import CaseFile

log = logging.getLogger(__name__)


def retry_policy(values: Settings) -> RetryPolicy:
    """The retry pace from settings."""
    return RetryPolicy(values.retry_attempts, values.retry_first_delay, values.retry_max_delay)


def poll_policy(values: Settings) -> PollPolicy:
    """The polling pace from settings."""
    return PollPolicy(values.poll_first_delay, max(values.poll_first_delay, values.poll_max_delay))


WORKSTATION_ENV = "VMS_DESK_WORKSTATION"


def workstation_name(values: Settings) -> str:
    """This computer's name on a shared store: VMS_DESK_WORKSTATION, settings' `workstation_name`, or
    the host name."""
    chosen = os.environ.get(WORKSTATION_ENV) or values.workstation_name
    return chosen.strip() or socket.gethostname()


def _write_pending_audit(home: Path, audit: AuditTrail) -> None:
    """Entries an earlier run kept because the audit log could not take them (evidence.audit_spool):
    into the log now; what it still cannot take waits for the next start."""
    try:
        audit_spool.replay(home, audit)
    except (OSError, StorageError) as exc:
        log.warning("pending audit entries wait for the next start: %r", exc)


def default_operator() -> str:
    """The signed-in user's name, or 'unknown'."""
    with contextlib.suppress(OSError, KeyError):
        return getpass.getuser()
    return "unknown"


@dataclass
class Passwords:
    """Where the engine gets a server's password: given for this run (`--password-env`, by account),
    else the saved server's (OS keyring), else the one fallback (`vms-desk resume --password-env`)."""

    servers: ServersStore
    session: dict[str, str] = field(default_factory=dict)
    fallback: str | None = None

    def __call__(self, server: ServerConfig) -> str | None:
        """The password for `server`, or None."""
        key = server_key(server)
        if key in self.session:
            return self.session[key]
        saved = self.servers.credentials(server)
        return saved if saved is not None else self.fallback

    def remember(self, server: ServerConfig, password: str | None) -> None:
        """Use `password` for `server` in this run only (never written; None: nothing to remember)."""
        if password is not None:
            self.session[server_key(server)] = password


@dataclass
class Workstation:
    """Everything one window or one command works with, wired once."""

    home: Path
    settings: Settings
    store: JobStore
    audit: AuditTrail
    servers: ServersStore
    passwords: Passwords
    http: httpx.AsyncClient
    clients: ClientPool
    engine: Engine
    cases: CaseBook
    # What the window drives its jobs through: `engine` itself, or (settings' `engine_process`, for a
    # window) the same engine in a process of its own (workstation.engine_process).
    control: JobControl
    # Sentences for the user about what was found at opening (a damaged file set aside, ...).
    notices: list[str] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        home: Path | None = None,
        *,
        vault: PasswordVault | None = None,
        http: httpx.AsyncClient | None = None,
        window: bool = False,
    ) -> Workstation:
        """Open VMS_DESK_HOME (or `home`): settings, store, audit log, server list, pool and engine.
        For a `window`, with settings' `engine_process`, `control` is an engine process (started by
        the window); otherwise it is the engine here.

        A damaged settings.json or servers.json is kept beside itself as `.broken-<time>` and the
        workstation opens with defaults; `notices` says so. A store that cannot be opened raises."""
        folder = home or home_dir()
        folder.mkdir(parents=True, exist_ok=True)
        notices: list[str] = []
        settings = open_settings(folder, notices)
        store = JobStore(open_database(store_url(settings.store_url, folder)))
        store.mark_interrupted()
        # A team keeps one chain in its store; a workstation on its own SQLite keeps audit.jsonl.
        name = workstation_name(settings)
        audit: AuditTrail = (
            TeamAuditLog(store.db, workstation=name)
            if store.db.engine == "postgresql"
            else AuditLog(folder, workstation=name)
        )
        _write_pending_audit(folder, audit)
        servers = ServersStore(folder, vault)
        try:
            servers.load()
        except StorageError as exc:
            if not isinstance(exc.__cause__, OSError):
                notices.append(set_aside(servers.path, "The server list", "with no servers"))
                servers.load()
            else:
                notices.append(str(exc))
        http = http or make_http_client()
        passwords = Passwords(servers)
        pool = ClientPool(http, passwords, policy=retry_policy(settings))
        engine = Engine(
            store,
            pool,
            audit,
            per_server=settings.per_server,
            overall=settings.overall,
            poll=poll_policy(settings),
            stall_limits=settings.stall_limits,
            workstation=name,
            audit_spool=folder,
        )
        cases = CaseBook(store.db, audit)
        control: JobControl = engine
        if window and settings.engine_process:
            from vms_desk.workstation.engine_process import EngineProcess

            control = EngineProcess(
                folder, store, passwords, workstation=name, log_file=folder / "logs" / "engine-process.log"
            )
        return cls(
            folder, settings, store, audit, servers, passwords, http, pool, engine, cases, control, notices
        )

    # --- what the window and commands ask -----------------------------------------------------------
    @property
    def name(self) -> str:
        """This workstation's name on the store (its jobs, leases and resumes)."""
        return self.engine.workstation

    @property
    def operator(self) -> str:
        """Who is working: the signed-in user."""
        return default_operator()

    @property
    def supervision(self) -> Supervision:
        """The supervisor board's actions (annotate, re-verify, reassign), audited as this operator."""
        return Supervision(self.store, self.cases, self.audit, self.operator)

    async def measure_clock(self, config: ServerConfig) -> ClockReading:
        """The server's clock against this workstation's (never raises: `unavailable` with a reason)."""
        return await measure_clock(self.clients.http_for(config), config)

    def case_for_export(self, number: str, *, title: str = "") -> tuple[Case, bool]:
        """The open case an export goes into, created (and audited) when there is none yet; True
        when it was created. InputError with a sentence for a bad number or a closed case."""
        number = check_number(number)
        case = self.cases.find(number)
        if case is None:
            return self.cases.new(number, title=title, by=self.operator), True
        check_takes_exports(case)
        return case, False

    def out_dir(self) -> Path:
        """Where evidence goes by default: settings' export folder, VMS_DESK_HOME/evidence when the home
        is set by the environment (tests, portable use), else the user's Documents."""
        if self.settings.export_folder:
            return Path(self.settings.export_folder).expanduser()
        if os.environ.get(HOME_ENV):
            return self.home / "evidence"
        from platformdirs import user_documents_dir

        return Path(user_documents_dir()) / "vms_desk evidence"

    async def check_server(self, config: ServerConfig, password: str | None) -> str:
        """Log in and list cameras (the connection test); a sentence of what was found, or VmsDeskError."""
        info, cameras = await self.clients.check(config, password)
        what = " ".join(p for p in (info.name, info.version) if p) or config.vendor.display_name
        count = len(cameras)
        return f"Connected to {what}: {count} camera{'s' if count != 1 else ''} found."

    def case_file(self, number: str) -> CaseFile:
        """What the custody report and the bundle need of a case: its finished exports, the audit entries
        about them, and the header from the case record (number only for a case that has no record)."""
        from vms_desk.custody.case import CaseHeader, case_from_jobs

        if not number.strip():
            raise InputError("The case number is empty: give the case number the exports were made under.")
        found = case_from_jobs(number, self.store.jobs(), self.audit.entries())
        record = self.cases.find(number.strip())
        if record is None:
            return found
        header = CaseHeader(
            number=record.number,
            title=record.title or None,
            status=str(record.status),
            created_by=record.created_by or None,
            created=record.created,
            notes=record.notes or None,
            operators=found.header.operators,
        )
        return replace(found, header=header)

    async def aclose(self) -> None:
        """Stop the engine (running jobs become resumable), log out everywhere, close the HTTP client."""
        if self.control is not self.engine:
            await self.control.stop()
        await self.engine.stop()
        await self.clients.aclose()
        await self.http.aclose()
