"""What one job's run needs from its engine (kept apart so the runner does not import the engine)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vms_desk.jobs.backoff import PollPolicy, RetryPolicy
from vms_desk.jobs.clients import ClientPool
from vms_desk.jobs.listeners import ProgressListener
from vms_desk.jobs.records import JobRecord
from vms_desk.jobs.store import JobStore
from vms_desk.jobs.writer import StoreWriter


@dataclass
class RunContext:
    """What a run needs from its engine."""

    store: JobStore
    writer: StoreWriter  # every store call of a run goes through it, off the event loop
    clients: ClientPool
    retry: RetryPolicy
    poll: PollPolicy
    on_record: Callable[[JobRecord], None]
    on_progress: ProgressListener
    shutting_down: Callable[[], bool]
    owner: str
    stall_limits: Mapping[str, float] = field(default_factory=dict)  # by vendor name; see jobs/stall.py
