"""Axxon PSIM: the archive-task page's own examples (seeds/axxon-psim-archive-task.txt) replayed.

Literal from the seed: the request `POST http://127.0.0.1:80/createarchivetask` with its JSON body, and
the response example, byte for byte. From the vendor pages the seed lacks (VENDOR-NOTES 2.1, 2.3): the
status reply and the Configuration request example (`config.properties?version=1.0.1.224&login=USER&
password=PASS` and its file).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportPhase
from vms_desk.vendors.axxon_psim import Client

SEED_REQUEST_LINE = "POST http://127.0.0.1:80/createarchivetask"
SEED_REQUEST_BODY = """{
 "CameraId": "1",
 "From": "2022-06-27T15:10:00.00Z",
 "To": "2022-06-27T15:20:00.00Z"
}"""
SEED_RESPONSE = b"""{
 "CameraId" : "1",
 "From" : "2016-06-27T15:10:00.00Z",
 "To" : "2016-06-27T15:20:00.00Z",
 "ArchiveTaskId" : "084b56a5-bd49-4327-82db-9bc911f7ff96",
 "ErrorMessage" : null,
 "State" : "Created"
}"""
STATUS_EXAMPLE = (
    b'{"Percents":100,"Url":"http://192.168.15.182:80/download?file=104b38d4-07d7-4d2f-84da-49b3e255d2bf",'
    b'"CameraId":"1","From":"2016-06-27T15:10:00.000+03:00","To":"2016-06-27T15:11:00.000+03:00",'
    b'"ArchiveTaskId":"104b38d4-07d7-4d2f-84da-49b3e255d2bf","ErrorMessage":"null","State":"ReadyForDownload"}'
)
CONFIG_LINE = "GET /web2/secure/video/config.properties?version=1.0.1.224&login=USER&password=PASS HTTP/1.1"
CONFIG_FILE = b"""password.enabled=true
login.enabled=true
password.invalid=false
cam.0.id=2
cam.0.name=Face
cam.0.rights=11
cam.1.id=3
cam.1.name=Camera 3
cam.1.rights=11
cam.2.id=5
cam.2.name=Camera 5
cam.2.rights=11
cam.2.telemetry_id=1.1
cam.count=3#
"""


@pytest.mark.asyncio
async def test_the_documents_archive_task_exchange(replay: Any, http: httpx.AsyncClient) -> None:
    json_reply = [("Content-Type", "application/json; charset=utf-8")]
    replay.reply(
        "GET", "/web2/secure/video/config.properties", replay.wire("HTTP/1.1 200 OK", [], CONFIG_FILE)
    )
    replay.reply("POST", "/createarchivetask", replay.wire("HTTP/1.1 200 OK", json_reply, SEED_RESPONSE))
    replay.reply("GET", "/getarchivetaskstatus", replay.wire("HTTP/1.1 200 OK", json_reply, STATUS_EXAMPLE))
    replay.reply(
        "GET", "/download", replay.wire("HTTP/1.1 200 OK", [("Content-Type", "video/mp4")], b"mp4 bytes")
    )
    settings = {"web2_url": replay.url, "web2_version": "1.0.1.224"}
    config = ServerConfig(vendor=Vendor.AXXON_PSIM, url=replay.url, user="USER", settings=settings)
    client = Client(config, "PASS", http)

    cameras = await client.list_cameras()
    assert replay.find("GET", "/web2/secure/video/config.properties")[0].line == CONFIG_LINE
    assert [(c.id, c.name, c.exportable) for c in cameras] == [
        ("2", "Face", True),
        ("3", "Camera 3", True),
        ("5", "Camera 5", True),
    ]

    # The seed's camera "1" is not in the configuration example: a camera list naming it is served.
    replay.reply(
        "GET",
        "/web2/secure/video/config.properties",
        replay.wire("HTTP/1.1 200 OK", [], b"cam.0.id=1\ncam.0.name=One\ncam.0.rights=11\ncam.count=1#\n"),
    )
    await client.list_cameras()
    span = TimeSpan(
        start=datetime(2022, 6, 27, 15, 10, tzinfo=UTC), end=datetime(2022, 6, 27, 15, 20, tzinfo=UTC)
    )
    handle = await client.start_export(ExportRequest(camera_id="1", span=span, format="mp4"))
    create = replay.find("POST", "/createarchivetask")[0]
    method, url = SEED_REQUEST_LINE.split(" ")
    assert create.line == f"{method} {httpx.URL(url).path} HTTP/1.1"
    assert create.headers["content-type"] == "application/json"
    body = json.loads(create.body)
    assert {k: body[k] for k in ("CameraId", "From", "To")} == json.loads(SEED_REQUEST_BODY)  # same strings
    assert body["Format"] == "mp4"
    assert handle.export_ids == ("084b56a5-bd49-4327-82db-9bc911f7ff96",)  # from the seed's response

    status = await client.poll(handle)
    assert (
        replay.seen[-1].line
        == "GET /getarchivetaskstatus?archivetaskid=084b56a5-bd49-4327-82db-9bc911f7ff96 HTTP/1.1"
    )
    assert status.phase is ExportPhase.DONE  # "ErrorMessage":"null" (a string) is no error
    # The example echoes another run's span (2016, 15:10-15:11 +03:00): kept verbatim, never adopted.
    assert status.actual_span is None
    assert "From '2016-06-27T15:10:00.000+03:00' To '2016-06-27T15:11:00.000+03:00'" in status.message
    assert "2016-06-27T12:10:00.000Z" in status.message

    async with client.open_download(handle, status.files[0]) as download:
        data = b"".join([chunk async for chunk in download.chunks()])
    assert data == b"mp4 bytes"
    # Fetched from the configured server, never from the host the Url names.
    assert replay.seen[-1].line == "GET /download?file=104b38d4-07d7-4d2f-84da-49b3e255d2bf HTTP/1.1"
