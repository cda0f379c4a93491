# ruff: noqa: E501 - the replies are the seed's bytes, long lines and all
"""Axis: the Export recording API's own examples (seeds/axis-vapix-edge-storage.txt) replayed.

Literal from the seed: capabilities.cgi's request and response, the properties.cgi request for part of
a recording (09:45:11-10:10:00) and its response (key frame 09:45:09), the exportrecording.cgi request
for that part and its response head, and the General error response. The seed's replies are HTTP/1.0
without Content-Length, so they are served byte for byte and end with the connection. The recording
list is the documented syntax filled with the seed's own recording (09:11:53 to 11:00:46).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from vms_desk.core.errors import VendorError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.vendors.axis import Client

CAPABILITIES_REQUEST = "http://<servername>/axis-cgi/record/export/capabilities.cgi?schemaversion=1"
CAPABILITIES_REPLY = b"""HTTP/1.0 200 OK\r
Content-Type: text/xml\r
\r
<?xml version="1.0" encoding="utf-8"?>
<ExportRecordingResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.2" xsi:noNamespaceSchemaLocation="http://www.axis.com/vapix/http_cgi/exportrecording1.xsd">
  <CapabilitiesSuccess>
    <ExportCapabilities ExportFormat="matroska">
      <ExportEncryption EncryptionFormat="zip-aes256"/>
    </ExportCapabilities>
  </CapabilitiesSuccess>
</ExportRecordingResponse>"""
PROPERTIES_REQUEST = (
    "http://<servername>/axis-cgi/record/export/properties.cgi?schemaversion=1"
    "&recordingid=20141211_091153_025B_00408CCAD5D78&diskid=SD_DISK"
    "&starttime=2014-12-11T09:45:11Z&stoptime=2014-12-11T10:10:00Z"
)
PROPERTIES_REPLY = b"""HTTP/1.0 200 OK\r
Content-Type: text/xml\r
\r
<?xml version="1.0" encoding="utf-8"?>
<ExportRecordingResponse xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.1" xsi:noNamespaceSchemaLocation="http://www.axis.com/vapix/http_cgi/exportrecording1.xsd">
  <PropertiesSuccess>
    <ExportProperties RecordingId="20141211_091153_025B_00408CCAD5D78" ExportFormat="matroska" EstimatedFileSize="1234" Starttime="2014-12-11T09:45:09Z" Stoptime="2014-12-11T10:10:00Z"/>
  </PropertiesSuccess>
</ExportRecordingResponse>"""
EXPORT_REQUEST = (
    "http://<servername>/axis-cgi/record/export/exportrecording.cgi?schemaversion=1"
    "&recordingid=20141211_091153_025B_00408CCAD5D78&diskid=SD_DISK"
    "&exportformat=matroska"
    "&starttime=2014-12-11T09:45:09Z&stoptime=2014-12-11T10:10:00Z"
)
EXPORT_REPLY = b"""HTTP/1.0 200 OK\r
Content-Disposition: attachment; filename="20141211_0945091234_20141211_1010565678.mkv"\r
Content-Type: video/x-matroska\r
\r
<file data>"""
GENERAL_ERROR = b"""<?xml version="1.0" encoding="utf-8" ?>
<ExportRecordingResponse
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    SchemaVersion="1.1"
    xsi:noNamespaceSchemaLocation="http://www.axis.com/vapix/http_cgi/exportrecording1.xsd">
    <GeneralError>
        <ErrorCode>110</ErrorCode>
        <ErrorDescription>Recording not found.</ErrorDescription>
    </GeneralError>
</ExportRecordingResponse>"""
LIST_REPLY = b"""HTTP/1.0 200 OK\r
Content-Type: text/xml\r
\r
<?xml version="1.0" encoding="utf-8"?>
<root xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation= "http://www.axis.com/vapix/http_cgi/recording/list1.xsd">
  <recordings totalnumberofrecordings="1" numberofrecordings="1" >
    <recording diskid="SD_DISK" recordingid="20141211_091153_025B_00408CCAD5D78" starttime="2014-12-11T09:11:53Z" starttimelocal="2014-12-11T10:11:53+01:00" stoptime="2014-12-11T11:00:46Z" stoptimelocal="2014-12-11T12:00:46+01:00" recordingtype="continuous" eventid="continuous" eventtrigger="continuous" recordingstatus="completed" source="1">
      <video mimetype="video/x-h264" source="1" framerate="30:1" resolution="1920x1080" width="1920" height="1080"/>
    </recording>
  </recordings>
</root>"""
SPAN = TimeSpan(
    start=datetime(2014, 12, 11, 9, 45, 11, tzinfo=UTC), end=datetime(2014, 12, 11, 10, 10, tzinfo=UTC)
)


def _pairs(url: str) -> dict[str, str]:
    return dict(parse_qsl(url.split("?", 1)[1], keep_blank_values=True))


def _client(replay: Any, http: httpx.AsyncClient) -> Client:
    return Client(ServerConfig(vendor=Vendor.AXIS, url=replay.url, user="root"), "pass", http)


@pytest.mark.asyncio
async def test_the_documents_capabilities_properties_and_export(replay: Any, http: httpx.AsyncClient) -> None:
    replay.reply("GET", "/axis-cgi/record/export/capabilities.cgi", CAPABILITIES_REPLY)
    replay.reply("GET", "/axis-cgi/record/list.cgi", LIST_REPLY)
    replay.reply("GET", "/axis-cgi/record/export/properties.cgi", PROPERTIES_REPLY)
    replay.reply("GET", "/axis-cgi/record/export/exportrecording.cgi", EXPORT_REPLY)
    client = _client(replay, http)

    caps = await client.capabilities()
    assert [f.name for f in caps.formats] == ["mkv"]
    assert [o.name for o in caps.options] == ["password", "encryptionformat"]
    (asked,) = replay.find("GET", "/axis-cgi/record/export/capabilities.cgi")
    assert asked.target == CAPABILITIES_REQUEST.removeprefix("http://<servername>")

    handle = await client.start_export(ExportRequest(camera_id="1", span=SPAN, format="mkv"))
    (props,) = replay.find("GET", "/axis-cgi/record/export/properties.cgi")
    sent = _pairs(props.target)
    assert {k: sent[k] for k in _pairs(PROPERTIES_REQUEST)} == _pairs(PROPERTIES_REQUEST)
    assert set(sent) - set(_pairs(PROPERTIES_REQUEST)) == {"exportformat"}  # optional, the device's own
    assert sent["exportformat"] == "matroska"

    status = await client.poll(handle)
    (remote,) = status.files
    assert status.actual_span is not None
    assert status.actual_span.start == datetime(2014, 12, 11, 9, 45, 9, tzinfo=UTC)  # the key frame
    async with client.open_download(handle, remote) as body:
        data = b"".join([chunk async for chunk in body.chunks()])
    assert data == b"<file data>"
    (exported,) = replay.find("GET", "/axis-cgi/record/export/exportrecording.cgi")
    assert _pairs(exported.target) == _pairs(EXPORT_REQUEST)
    assert exported.target.split("?")[0] == EXPORT_REQUEST.removeprefix("http://<servername>").split("?")[0]


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["text/xml", "text/plain", "text/html; charset=utf-8"])
async def test_the_documents_general_error_at_200_is_a_failure(
    replay: Any, http: httpx.AsyncClient, content_type: str
) -> None:
    error = replay.wire(
        "HTTP/1.0 200 OK", [("Content-Type", content_type), ("Connection", "close")], GENERAL_ERROR
    )
    replay.reply("GET", "/axis-cgi/record/export/capabilities.cgi", CAPABILITIES_REPLY)
    replay.reply("GET", "/axis-cgi/record/list.cgi", LIST_REPLY)
    replay.reply("GET", "/axis-cgi/record/export/properties.cgi", PROPERTIES_REPLY)
    replay.reply("GET", "/axis-cgi/record/export/exportrecording.cgi", error)
    client = _client(replay, http)
    handle = await client.start_export(ExportRequest(camera_id="1", span=SPAN, format="mkv"))
    (remote,) = (await client.poll(handle)).files
    with pytest.raises(VendorError) as caught:
        async with client.open_download(handle, remote):
            pass
    assert (caught.value.code, caught.value.vendor_text) == ("110", "Recording not found.")
    assert str(caught.value).endswith('The server said: "Recording not found." (code 110).')
