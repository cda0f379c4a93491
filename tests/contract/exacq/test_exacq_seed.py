"""exacqVision: the Redoc's own samples (seeds/exacqvision-web-api.txt) replayed through a raw socket.

The Redoc prints its samples as collapsible trees (`• "key": value`, `{ }` for a folded object); each
is written here as the JSON it stands for, the folded objects empty. Checked: the Login form the client
posts (the documented `s`, `u`, `p`, `responseVersion=2`), the query of List Cameras, Create a Search
and the formats list, and what the client makes of each sample reply.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.vendors.exacq import Client

LOGIN_SAMPLE = b"""{
  "success": true,
  "sessionID": "0dff389d-9e47-466b-88da-c9fb175015b1",
  "canAutoLogin": false,
  "daysRecordedVideo": 0,
  "managedFeatures": [ ],
  "address": "127.0.0.1",
  "user_permissions": { },
  "serial": "18-62-66-32-4E-AF",
  "login": false,
  "group": { },
  "name": "Server 1",
  "licenseInfo": { },
  "restricted": false,
  "admin_access_permissions": { },
  "id": "0",
  "port": 22609,
  "version": "",
  "model": "unknown"
}"""
CAMERAS_SAMPLE = b"""{
  "timezone": -4,
  "name": "Server 1 Name",
  "restricted": false,
  "Cameras": [ ]
}"""
SEARCH_SAMPLE = b"""{
  "search_id": "0x257a8942",
  "frames": 7866,
  "start_time": "2018-06-20T13:56:21Z",
  "end_time": "2018-06-20T14:01:21Z",
  "frameCounts": { },
  "audioInfo": [ ]
}"""
FORMATS_SAMPLE = b"""{
  "success": true,
  "formats": [ ]
}"""
JSON = [("Content-Type", "application/json")]
SESSION = "0dff389d-9e47-466b-88da-c9fb175015b1"


@pytest.mark.asyncio
async def test_the_redocs_login_cameras_search_and_formats(replay: Any, http: httpx.AsyncClient) -> None:
    replay.reply("POST", "/v1/login.web", replay.wire("HTTP/1.1 200 OK", JSON, LOGIN_SAMPLE))
    replay.reply("GET", "/v1/config.web", replay.wire("HTTP/1.1 200 OK", JSON, CAMERAS_SAMPLE))
    replay.reply("GET", "/v1/search.web", replay.wire("HTTP/1.1 200 OK", JSON, SEARCH_SAMPLE))
    replay.reply("GET", "/v1/export.web", replay.wire("HTTP/1.1 200 OK", JSON, FORMATS_SAMPLE))
    replay.reply("POST", "/v1/logout.web", replay.wire("HTTP/1.1 302 Found", [("Location", "login.web")]))
    config = ServerConfig(vendor=Vendor.EXACQ, url=replay.url, user="operator")
    client = Client(config, "pass word&1", http)

    info = await client.connect()
    assert info.name == "Server 1"
    (login,) = replay.find("POST", "/v1/login.web")
    assert login.line == "POST /v1/login.web HTTP/1.1"
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(login.body.decode())) == {
        "u": "operator",
        "p": "pass word&1",
        "s": "0",
        "responseVersion": "2",
    }

    assert await client.list_cameras() == []  # the sample's folded Cameras list
    (cameras,) = replay.find("GET", "/v1/config.web")
    assert cameras.line == f"GET /v1/config.web?output=json&s={SESSION} HTTP/1.1"

    end = datetime(2018, 6, 20, 14, 5, tzinfo=UTC)
    recordings = await client.recordings("1", TimeSpan(start=end - timedelta(minutes=10), end=end))
    assert not recordings.known  # frames, but no clip list: unknown, not "nothing recorded"
    (search,) = replay.find("GET", "/v1/search.web")
    assert search.line == (
        "GET /v1/search.web?start=2018-06-20T13%3A55%3A00Z&end=2018-06-20T14%3A05%3A00Z"
        f"&camera=1&output=json&s={SESSION} HTTP/1.1"
    )
    (closed,) = replay.find("POST", "/v1/logout.web")
    assert closed.line == "POST /v1/logout.web?s=0x257a8942 HTTP/1.1"  # the search, logged out

    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["mp4"]  # an empty list: the fallback
    (formats,) = replay.find("GET", "/v1/export.web")
    assert formats.line == "GET /v1/export.web HTTP/1.1"  # "a GET request to export.web with no parameters"


@pytest.mark.asyncio
async def test_the_download_name_comes_from_content_disposition(replay: Any, http: httpx.AsyncClient) -> None:
    replay.reply("POST", "/v1/login.web", replay.wire("HTTP/1.1 200 OK", JSON, LOGIN_SAMPLE))
    status = b'{"success": true, "progress": 100}'
    replay.reply("GET", "/v1/export.web", replay.wire("HTTP/1.1 200 OK", JSON, status))
    from vms_desk.core.protocol import ExportHandle

    client = Client(ServerConfig(vendor=Vendor.EXACQ, url=replay.url, user="u"), "p", http)
    handle = ExportHandle(export_ids=("123e4567-e89b-12d3-a456-426655440000",), data={"format": "mp4"})
    # The status and the download share a path here: the status answers JSON, so the name stays ours.
    assert (await client.poll(handle)).files[0].name == "Export.mp4"
    peek = [s for s in replay.find("GET", "/v1/export.web") if "action=download" in s.target]
    assert peek[0].headers["range"] == "bytes=0-0"
    assert peek[0].target.startswith(
        "/v1/export.web?export=123e4567-e89b-12d3-a456-426655440000&action=download"
    )
