"""The clock check against the simulators over real sockets: a clock set 90 s fast is seen, by the
vendor's own time source where there is one and by the HTTP Date header elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from vms_desk.core.clock import ClockMethod
from vms_desk.core.models import ServerConfig, Vendor
from vms_desk.jobs.clock import measure_clock
from vms_desk.sim.registry import RunningSim


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("vendor", "method"),
    [(Vendor.VDG_SENSE, ClockMethod.VENDOR), (Vendor.AXIS, ClockMethod.HTTP_DATE)],
)
async def test_a_clock_90_s_fast_is_measured(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient, vendor: Vendor, method: ClockMethod
) -> None:
    sim = sim_factory(vendor)
    sim.state.faults.update(clock_offset_s=90.0)
    reading = await measure_clock(http, ServerConfig(vendor=vendor, url=sim.url, user="demo"))
    assert reading.method is method
    assert reading.server_offset_s is not None
    assert reading.resolution_s is not None
    assert abs(reading.server_offset_s - 90) <= reading.resolution_s + 0.1
    assert reading.off
    assert f"is {reading.server_offset_s:.1f} s fast against this workstation" in reading.sentence()
    assert reading.measured_at.tzinfo is not None


@pytest.mark.asyncio
async def test_a_clock_in_step_is_not_flagged(
    sim_factory: Callable[..., RunningSim], http: httpx.AsyncClient
) -> None:
    sim = sim_factory(Vendor.EXACQ)
    reading = await measure_clock(http, ServerConfig(vendor=Vendor.EXACQ, url=sim.url, user="demo"))
    assert reading.method is ClockMethod.HTTP_DATE
    assert not reading.off
    assert "agrees" in reading.sentence()


@pytest.mark.asyncio
async def test_a_server_that_does_not_answer_reads_unavailable_with_the_reason(
    http: httpx.AsyncClient,
) -> None:
    reading = await measure_clock(http, ServerConfig(vendor=Vendor.AXIS, url="http://127.0.0.1:9", user="x"))
    assert reading.method is ClockMethod.UNAVAILABLE
    assert reading.server_offset_s is None
    assert "did not answer" in reading.reason
    assert "could not be read" in reading.sentence()
