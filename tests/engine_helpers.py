"""An engine alone, for tests of the engine itself (the app and the CLI get theirs from the Workstation)."""

from __future__ import annotations

from typing import Any


def make_engine(
    store: Any,
    http: Any,
    credentials: Any,
    *,
    retry: Any = None,
    poll: Any = None,
    client_factory: Any = None,
    audit: Any = None,
    **kw: Any,
) -> Any:
    """An engine alone (no Workstation) for the engine's own tests: its store, a client pool over `http`
    with `credentials`, no audit log unless given. The app and the CLI get theirs from the Workstation."""
    from vms_desk.jobs.backoff import RetryPolicy
    from vms_desk.jobs.clients import ClientPool
    from vms_desk.jobs.engine import Engine
    from vms_desk.vendors.registry import create_client

    pool = ClientPool(
        http, credentials, policy=retry or RetryPolicy(), factory=client_factory or create_client
    )
    return Engine(store, pool, audit, poll=poll, **kw)
