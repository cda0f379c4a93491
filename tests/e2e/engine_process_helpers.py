"""What the engine-process tests share: a 3 MiB Axxon One export, and a window's Workstation over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.sim.base import SimState
from vms_desk.sim.registry import RunningSim, start_sim
from vms_desk.workstation.engine_process import EngineProcess
from vms_desk.workstation.root import Workstation

CAMERA = "Server1/DeviceIpint.1/SourceEndpoint.video:0:0"
EXPORT_BYTES = 3 * 1024 * 1024


@contextmanager
def axxon_sim(workdir: Path, export_seconds: float) -> Iterator[RunningSim]:
    """An Axxon One simulator (user and password `demo`) whose exports are EXPORT_BYTES long."""
    state = SimState(user="demo", password="demo", workdir=workdir)
    state.export_seconds = export_seconds
    state.export_bytes = EXPORT_BYTES
    running = start_sim(Vendor.AXXON_ONE, state=state)
    try:
        yield running
    finally:
        running.stop()


def axxon_server(sim: RunningSim) -> ServerConfig:
    return ServerConfig(vendor=Vendor.AXXON_ONE, url=sim.url, user="demo")


def window_workstation(home: Path, sim: RunningSim) -> tuple[Workstation, EngineProcess]:
    """A window's Workstation: the engine in a child process; the simulator's password known for this
    run only (never saved), as for a demo server."""
    workstation = Workstation.open(home, window=True)
    control = workstation.control
    assert isinstance(control, EngineProcess)
    workstation.passwords.remember(axxon_server(sim), "demo")
    return workstation, control
