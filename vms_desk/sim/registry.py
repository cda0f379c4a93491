"""A one-call way to start a vendor's simulator (each vendor's SPEC names its simulator app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vms_desk.core.models import Vendor
from vms_desk.sim.base import SimServer, SimState


@dataclass
class RunningSim:
    """A started simulator: its URL, its shared state (faults, request log) and its server."""

    vendor: Vendor
    state: SimState
    server: SimServer

    @property
    def url(self) -> str:
        """Base URL of the simulator."""
        return self.server.url

    def reset(self, password: str = "demo") -> RunningSim:
        """Clear the request log, switch every fault off and restore the password (between tests)."""
        self.state.requests.clear()
        self.state.faults.reset()
        self.state.password = password
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()


def build_app(vendor: Vendor, state: SimState) -> Any:
    """The ASGI app simulating `vendor`, as its SPEC declares it."""
    from vms_desk.vendors.registry import spec  # the catalogue of vendors; sim code itself needs only core

    return spec(vendor).simulator(state)


def start_sim(
    vendor: Vendor, host: str = "127.0.0.1", port: int = 0, state: SimState | None = None
) -> RunningSim:
    """Start a simulator in a background thread on host:port (0 picks a free port)."""
    state = state or SimState()
    server = SimServer(build_app(vendor, state), host=host, port=port).start()
    return RunningSim(vendor, state, server)
