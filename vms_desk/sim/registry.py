"""Which simulator module serves which vendor, and a one-call way to start one."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from vms_desk.core.models import Vendor
from vms_desk.sim.base import SimServer, SimState

# Each module exposes `build(state: SimState) -> ASGI app`.
SIM_MODULES: dict[Vendor, str] = {
    Vendor.AXXON_ONE: "vms_desk.sim.axxon_one",
    Vendor.AXXON_PSIM: "vms_desk.sim.axxon_psim",
    Vendor.VDG_SENSE: "vms_desk.sim.vdg_sense",
    Vendor.EXACQ: "vms_desk.sim.exacq",
    Vendor.AXIS: "vms_desk.sim.axis",
}


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
    """The ASGI app simulating `vendor`."""
    module = importlib.import_module(SIM_MODULES[vendor])
    return module.build(state)


def start_sim(
    vendor: Vendor, host: str = "127.0.0.1", port: int = 0, state: SimState | None = None
) -> RunningSim:
    """Start a simulator in a background thread on host:port (0 picks a free port)."""
    state = state or SimState()
    server = SimServer(build_app(vendor, state), host=host, port=port).start()
    return RunningSim(vendor, state, server)
