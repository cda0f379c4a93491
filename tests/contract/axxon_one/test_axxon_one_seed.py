"""Axxon One: the Export page's own examples (seeds/axxon-one-export.txt) replayed against the client.

Literal from the seed:
- the start request form `POST .../prefix/export/archive/{VIDEOSOURCEID}/{BEGINTIME}/{ENDTIME}`, its
  VIDEOSOURCEID example `SERVER1/DeviceIpint.3/SourceEndpoint.video:0:0`, times `YYYYMMDDTHHMMSS` (UTC);
- its reply `HTTP/1.1 202 Accepted Connection: Close Location: /export/3dc15b75-...  Cache-Control: no-cache`;
- the sample `DELETE http://127.0.0.1:80/export/3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3`.
From the same page outside the seed's excerpt (VENDOR-NOTES 1.5, issue 9 point 3): the example body
`{"format":"mp4","vc":4,"comment":"comment"}`, `?waittimeout=30000`, the status reply and `file?name=`.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportPhase
from vms_desk.vendors.axxon_one import Client

SOURCE = "SERVER1/DeviceIpint.3/SourceEndpoint.video:0:0"  # the seed's VIDEOSOURCEID example
EXPORT_ID = "3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3"  # the seed's Location example
BEGIN, END = "20190903T050000", "20190903T050100"  # the status example's file name span
SEED_START_REPLY_LINE = (
    "HTTP/1.1 202 Accepted Connection: Close Location: /export/3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3 "
    "Cache-Control: no-cache"
)
SEED_DELETE = "DELETE http://127.0.0.1:80/export/3dc15b75-6463-4eb1-ab2d-0eb0a8f54bd3"
EXAMPLE_BODY = {"format": "mp4", "vc": 4, "comment": "comment"}
STATUS_EXAMPLE = (
    b'{"id":"38e3e286-c07c-490f-a452-e4b541b958c4","state":2,"progress":1.000000000e+00,"error":"",'
    b'"files":["Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4"],'
    b'"filesFriendly":["Server1_10.RHCP[20190903T050000-20190903T050100].mp4"]}'
)
FILE_NAME = "Server1_DeviceIpint.10[20190903T050000-20190903T050100].mp4"
BASIC = "Basic " + base64.b64encode(b"root:root").decode()


def _seed_reply_bytes() -> bytes:
    """The seed's one-line reply split into the status line and its headers, byte for byte."""
    status, rest = SEED_START_REPLY_LINE.split(" Connection: ")
    headers = [("Connection", rest.split(" Location: ")[0])]
    location, cache = rest.split(" Location: ")[1].split(" Cache-Control: ")
    headers += [("Location", location), ("Cache-Control", cache)]
    return ("\r\n".join([status, *(f"{k}: {v}" for k, v in headers)]) + "\r\n\r\n").encode()


@pytest.mark.asyncio
async def test_the_documents_export_exchange(replay: Any, http: httpx.AsyncClient) -> None:
    start_path = f"/export/archive/{SOURCE}/{BEGIN}/{END}"
    replay.reply("POST", start_path, _seed_reply_bytes())
    replay.reply(
        "GET",
        f"/export/{EXPORT_ID}/status",
        replay.wire("HTTP/1.1 200 OK", [("Content-Type", "application/json")], STATUS_EXAMPLE),
    )
    replay.reply(
        "GET",
        f"/export/{EXPORT_ID}/file",
        replay.wire("HTTP/1.1 200 OK", [("Content-Type", "video/mp4")], b"\x00\x00\x00\x18ftypmp42"),
    )
    replay.reply("DELETE", f"/export/{EXPORT_ID}", b"HTTP/1.1 204 No Content\r\n\r\n")
    client = Client(ServerConfig(vendor=Vendor.AXXON_ONE, url=replay.url, user="root"), "root", http)
    span = TimeSpan(start=datetime(2019, 9, 3, 5, 0, tzinfo=UTC), end=datetime(2019, 9, 3, 5, 1, tzinfo=UTC))
    options = {k: v for k, v in EXAMPLE_BODY.items() if k != "format"}
    handle = await client.start_export(
        ExportRequest(camera_id=SOURCE, span=span, format="mp4", options=options)
    )

    start = replay.find("POST", start_path)[0]
    assert start.line == f"POST {start_path}?waittimeout=30000 HTTP/1.1"  # raw id, slashes and colons
    assert json.loads(start.body) == EXAMPLE_BODY
    assert list(json.loads(start.body)) == ["format", "vc", "comment"]  # format first, as the example
    assert start.headers["content-type"] == "application/json"
    assert start.headers["authorization"] == BASIC
    assert handle.export_ids == (EXPORT_ID,)  # read from the document's Location header

    status = await client.poll(handle)
    assert replay.seen[-1].line == f"GET /export/{EXPORT_ID}/status HTTP/1.1"
    assert status.phase is ExportPhase.DONE
    assert [f.name for f in status.files] == [FILE_NAME]

    async with client.open_download(handle, status.files[0]) as body:
        data = b"".join([chunk async for chunk in body.chunks()])
    assert data == b"\x00\x00\x00\x18ftypmp42"
    sent = replay.find("GET", f"/export/{EXPORT_ID}/file")[0]
    assert httpx.URL(sent.target).params["name"] == FILE_NAME

    await client.finish(handle)
    method, url = SEED_DELETE.split(" ")
    assert replay.seen[-1].line == f"{method} {httpx.URL(url).raw_path.decode()} HTTP/1.1"
