"""Hostile servers: endless, oversized and trickling replies end in a typed error, never a hang."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from vms_desk.core.errors import ProtocolError, ServerBusy
from vms_desk.sim.base import SimServer, SimState, build_app
from vms_desk.vendors._http import Funnel
from vms_desk.vendors._xml import parse_xml


async def endless_json(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"cameras": ['
        chunk = b'{"id": "x", "name": "' + b"A" * 4000 + b'"},'
        # Endless as far as the client can tell (far past its limit); it stops once the client has
        # gone, so the test server itself can shut down.
        while not await request.is_disconnected():
            yield chunk

    return StreamingResponse(body(), media_type="application/json")


async def trickle(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        while not await request.is_disconnected():
            yield b" "
            await asyncio.sleep(0.05)

    return StreamingResponse(body(), media_type="application/json")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimServer]:
    routes = [Route("/endless", endless_json), Route("/trickle", trickle)]
    server = SimServer(build_app(routes, SimState(workdir=tmp_path_factory.mktemp("hostile")))).start()
    yield server
    server.stop()


@pytest.mark.asyncio
async def test_endless_reply_is_cut_off_at_the_limit(hostile: SimServer) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with httpx.AsyncClient() as http:
        with pytest.raises(ProtocolError, match="larger than 8 MiB; it was cut off"):
            await Funnel(http, hostile.url, "The test server").send("GET", "/endless")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 64


@pytest.mark.asyncio
async def test_trickling_reply_ends_at_the_deadline(hostile: SimServer) -> None:
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        with pytest.raises(ServerBusy, match=r"took more than 0\.5 s to answer"):
            await Funnel(http, hostile.url, "The test server").send("GET", "/trickle", max_seconds=0.5)
    assert time.monotonic() - started < 5


def test_oversized_xml_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        parse_xml(b"<result>" + b"x" * (9 * 1024 * 1024) + b"</result>", "VDG Sense")


def test_external_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    doc = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><result>&x;</result>'
    with pytest.raises(ProtocolError, match="document type declaration") as caught:
        parse_xml(doc.encode(), "Axis")
    assert "TOP-SECRET-MARKER" not in repr(caught.value.__dict__)


def test_billion_laughs_is_refused_at_once() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><result errorcode="0">&lol9;</result>'
    )
    started = time.monotonic()
    with pytest.raises(ProtocolError):
        parse_xml(bomb, "VDG Sense")
    assert time.monotonic() - started < 0.5


def test_entities_hidden_by_case_or_spacing_are_refused() -> None:
    for doc in (b'<!doctype r [<!entity x "y">]><r/>', b"<!  DOCTYPE r><r/>", b"<r/><!ENTITY x 'y'>"):
        with pytest.raises(ProtocolError):
            parse_xml(doc, "Axis")
