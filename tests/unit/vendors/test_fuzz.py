"""Fuzz every vendor client's reply parsing: whatever a server sends, the only failure is a typed error.

Replies come from hypothesis through an in-process transport (the code under test is the client's
decoding, not the socket). Default run: a few hundred cases per vendor and call; a longer run:
VMS_DESK_FUZZ_EXAMPLES=20000 pytest -m fuzz tests/unit/vendors/test_fuzz.py
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vms_desk.core.errors import VmsDeskError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle
from vms_desk.sim.registry import RunningSim
from vms_desk.vendors.registry import create_client

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("VMS_DESK_FUZZ_EXAMPLES", "80"))
NOW = datetime.now(UTC).replace(microsecond=0)
SPAN = TimeSpan(start=NOW - timedelta(minutes=30), end=NOW - timedelta(minutes=29))
FORMAT = {
    Vendor.AXXON_ONE: "mp4",
    Vendor.AXXON_PSIM: "mp4",
    Vendor.VDG_SENSE: "native",
    Vendor.EXACQ: "mp4",
    Vendor.AXIS: "mkv",
}
OPTIONS: dict[Vendor, dict[str, Any]] = {Vendor.VDG_SENSE: {"path": "D:\\Exports\\fuzz"}}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
KEYS = [
    "cameras",
    "intervals",
    "state",
    "progress",
    "files",
    "error",
    "success",
    "sessionId",
    "Cameras",
    "export_id",
    "formats",
    "videoInfo",
    "clips",
    "startTime",
    "endTime",
    "ArchiveTaskId",
    "State",
    "Percents",
    "ErrorMessage",
    "Url",
    "access_token",
    "token_value",
    "accessPoint",
    "displayName",
    "more",
]
shaped_json = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
ATTRS = ["errorcode", "recordingid", "starttime", "stoptime", "Starttime", "diskid", "count"]
TAGS = [
    "result",
    "devices",
    "device",
    "export",
    "exportid",
    "status",
    "progress",
    "serverid",
    "deviceid",
    "recordings",
    "recording",
    "ExportRecordingResponse",
    "PropertiesSuccess",
    "ExportProperties",
    "GeneralError",
    "ErrorCode",
    "disks",
    "disk",
    "root",
]


@st.composite
def xml_docs(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(1, 4))
    tags = [draw(st.sampled_from(TAGS)) for _ in range(depth)]
    attrs = " ".join(
        f'{draw(st.sampled_from(ATTRS))}="{draw(st.text(alphabet="0123456789-:TZ.abc", max_size=24))}"'
        for _ in range(draw(st.integers(0, 3)))
    )
    inner = draw(st.text(alphabet="0123456789-:TZ .<>&abc", max_size=20)) if draw(st.booleans()) else ""
    body = "".join(f"<{t} {attrs}>" for t in tags) + inner + "".join(f"</{t}>" for t in reversed(tags))
    return body.encode("utf-8", "replace")


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><result errorcode="0">&lol3;</result>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><result>&x;</result>'

bodies = st.one_of(
    st.binary(max_size=200),
    shaped_json.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    xml_docs(),
    st.sampled_from([BILLION_LAUGHS, EXTERNAL, b"", b"{", b"<result", b"null", b"[]"]),
)
replies = st.tuples(
    st.sampled_from([200, 200, 200, 201, 202, 204, 206, 301, 400, 401, 403, 404, 500, 503]),
    st.sampled_from(["application/json", "text/xml", "text/plain", "video/mp4", "application/octet-stream"]),
    bodies,
    st.sampled_from(
        [
            {},
            {"Location": "/export/abc"},
            {"WWW-Authenticate": 'Digest realm="x", nonce="n", qop="auth"'},
            {"WWW-Authenticate": "Basic realm=x"},
            {"Content-Range": "bytes 0-1/2"},
        ]
    ),
)


def fuzz_client(vendor: Vendor, answers: list[tuple[int, str, bytes, dict[str, str]]]) -> Any:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        status, ctype, body, headers = queue.pop(0) if queue else (500, "text/plain", b"", {})
        return httpx.Response(status, headers={"Content-Type": ctype, **headers}, content=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=2.0)
    client = create_client(ServerConfig(vendor=vendor, url="http://vms.invalid", user="demo"), "demo", http)
    return client, http


def run_checked(vendor: Vendor, answers: list[Any], call: Callable[[Any], Coroutine[Any, Any, Any]]) -> None:
    async def go() -> None:
        client, http = fuzz_client(vendor, answers)
        try:
            await asyncio.wait_for(call(client), 10)
        except VmsDeskError:
            pass  # the one acceptable failure: a typed error with a sentence
        finally:
            await http.aclose()

    asyncio.run(go())


CALLS: dict[str, Callable[[Any], Coroutine[Any, Any, Any]]] = {
    "connect": lambda c: c.connect(),
    "list_cameras": lambda c: c.list_cameras(),
    "recordings": lambda c: c.recordings("1", SPAN),
    "capabilities": lambda c: c.capabilities(),
}


@pytest.mark.parametrize("vendor", list(Vendor), ids=lambda v: v.value)
@pytest.mark.parametrize("call", list(CALLS))
def test_replies_never_crash_a_client(vendor: Vendor, call: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(replies, min_size=1, max_size=4))
    def check(answers: list[Any]) -> None:
        run_checked(vendor, answers, CALLS[call])

    check()


@pytest.mark.parametrize("vendor", list(Vendor), ids=lambda v: v.value)
def test_export_replies_never_crash_a_client(vendor: Vendor) -> None:
    request = ExportRequest(camera_id="1", span=SPAN, format=FORMAT[vendor], options=OPTIONS.get(vendor, {}))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(replies, min_size=1, max_size=5))
    def check(answers: list[Any]) -> None:
        run_checked(vendor, answers, lambda c: c.start_export(request))

    check()


@pytest.fixture(scope="module")
def real_handles(tmp_path_factory: pytest.TempPathFactory) -> dict[Vendor, ExportHandle]:
    """One genuine handle per vendor, from its simulator, so poll is fuzzed with a realistic handle."""
    from vms_desk.sim.base import SimState
    from vms_desk.sim.registry import start_sim

    handles: dict[Vendor, ExportHandle] = {}
    sims: list[RunningSim] = []
    try:
        for vendor in Vendor:
            sim = start_sim(
                vendor, state=SimState(export_seconds=0.1, workdir=tmp_path_factory.mktemp(vendor.value))
            )
            sims.append(sim)

            async def start(vendor: Vendor = vendor, sim: RunningSim = sim) -> ExportHandle:
                async with httpx.AsyncClient() as http:
                    client = create_client(
                        ServerConfig(vendor=vendor, url=sim.url, user="demo"), "demo", http
                    )
                    camera = (await client.list_cameras())[0].id
                    request = ExportRequest(
                        camera_id=camera, span=SPAN, format=FORMAT[vendor], options=OPTIONS.get(vendor, {})
                    )
                    return await client.start_export(request)

            handles[vendor] = asyncio.run(start())
    finally:
        for sim in sims:
            sim.stop()
    return handles


@pytest.mark.parametrize("vendor", list(Vendor), ids=lambda v: v.value)
def test_status_replies_never_crash_a_client(
    vendor: Vendor, real_handles: dict[Vendor, ExportHandle]
) -> None:
    handle = real_handles[vendor]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(replies, min_size=1, max_size=4))
    def check(answers: list[Any]) -> None:
        run_checked(vendor, answers, lambda c: c.poll(handle))

    check()


def test_harness_sees_an_untyped_crash() -> None:
    """The harness itself must fail on an exception that is not a VmsDeskError."""

    async def boom(_: Any) -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        run_checked(Vendor.AXXON_ONE, [], boom)
