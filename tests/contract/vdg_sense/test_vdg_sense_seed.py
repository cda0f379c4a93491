"""VDG Sense: the exportVideo article's own examples (seeds/vdg-sense-exportvideo.txt) replayed.

Literal from the seed: the exportVideo request body (with its placeholders), the result, the DELETE of
a pending export and the error table. From the Authentication article (CA-20220907-TP-01, see
docs/vendors/vdg-sense.md): the `/info` example as printed (malformed) and the AuthenticateUserDigest
message. The seed prints placeholders, not bytes, so the request is compared element by element and
the reply bytes are served exactly as printed, with the placeholder filled in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lxml import etree

from vms_desk.core.errors import VendorError
from vms_desk.core.export import ExportRequest
from vms_desk.core.models import ServerConfig, TimeSpan, Vendor
from vms_desk.core.protocol import ExportHandle
from vms_desk.vendors.vdg_sense import Client
from vms_desk.vendors.vdg_sense.wire import parse_info

SEED_REQUEST = """<!--?xml version="1.0" ?-->
<export>
<devices>
<device>
<serverid>[UID]</serverid>
<deviceid>[UID]</deviceid>
<starttime>[timestamp]</starttime>
<endtime>[timestamp]</endtime>
</device>
<device>
...
</device>
</devices>
<path>[path]</path>
<bandwidth>[bandwidth]</bandwidth>
</export>"""
SEED_RESULT = """<!--?xml version="1.0" ?-->
<result errorcode="0">
<export>
<exportid>[exportid]</exportid>
</export>
</result>"""
SEED_DELETE = "127.0.0.1/command?command=exportVideo&exportid=[exportid]"
SEED_ERRORS = [  # the seed's table: code, description
    (-2, "No device"),
    (-4, "Invalid Timestamp."),
    (-17, "No server"),
    (-33, "No serverID"),
    (-34, "No deviceID"),
    (-37, "Enddate before startdate"),
    (-48, "No videodata for timestamp"),
    (-57, "No exportid"),
    (-58, "Incorrect path"),
    (-60, "Not enough disk space"),
    (-61, "Unable to create directory"),
]
INFO_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<apiinfo>
    <utc>2013-09-03 19:05:55<!-- utc-->
    <version>2.6.1</version>
</utc></apiinfo>
</apiinfo>"""
DIGEST_EXAMPLE = """<?xml version='1.0'?>
<AuthenticateUserDigest>
    <username>user</username>
    <nonce>AR5chsWVZagPfMpB</nonce>
    <timestamp>2013-09-04 08:38:43</timestamp>
    <digest>804a2cba7610088a6c7975777e6349daefadcdf9</digest>
</AuthenticateUserDigest>"""
SERVER, DEVICE = "6F1D0C2A-0000-0000-0000-000000000001", "D3A1B2C4-0000-0000-0000-000000000001"
SPAN = TimeSpan(
    start=datetime(2024, 1, 19, 8, 0, 0, 250000, tzinfo=UTC), end=datetime(2024, 1, 19, 8, 5, tzinfo=UTC)
)
XML = [("Content-Type", "text/xml")]


def _seed_xml(text: str) -> etree._Element:
    # The article's declaration arrives mangled into a comment; the rest is the document.
    return etree.fromstring(text.split("\n", 1)[1].encode())


def _client(replay: Any, http: httpx.AsyncClient, **settings: str) -> Client:
    config = ServerConfig(vendor=Vendor.VDG_SENSE, url=replay.url, user="user", settings=settings)
    return Client(config, "secret", http)


@pytest.mark.asyncio
async def test_the_documents_export_request_and_result(replay: Any, http: httpx.AsyncClient) -> None:
    result = SEED_RESULT.replace("[exportid]", "1").encode()
    replay.reply("POST", "/command", replay.wire("HTTP/1.1 200 OK", XML, result))
    client = _client(replay, http, login="basic")
    request = ExportRequest(
        camera_id=f"{SERVER}/{DEVICE}",
        span=SPAN,
        format="native",
        options={"path": "D:\\Exports", "bandwidth": 0},
    )
    handle = await client.start_export(request)
    assert handle.export_ids == ("1",)
    (sent,) = replay.find("POST", "/command")
    assert sent.line == "POST /command?command=exportVideo HTTP/1.1"
    body, seed = etree.fromstring(sent.body), _seed_xml(SEED_REQUEST)
    assert body.tag == seed.tag == "export"
    assert [c.tag for c in body] == [c.tag for c in seed]  # devices, path, bandwidth
    (device,) = body.find("devices")
    assert [c.tag for c in device] == [c.tag for c in seed.find("devices")[0]]
    assert [c.text for c in device] == [SERVER, DEVICE, "2024-01-19 08:00:00.250", "2024-01-19 08:05:00.000"]
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")  # the table's yyyy-mm-dd hh:nn:ss.zzz
    assert all(stamp.match(device.findtext(t) or "") for t in ("starttime", "endtime"))
    assert (body.findtext("path"), body.findtext("bandwidth")) == ("D:\\Exports", "0")


@pytest.mark.asyncio
async def test_the_documents_delete_of_a_pending_export(replay: Any, http: httpx.AsyncClient) -> None:
    status = (
        f'<result errorcode="0"><exports count="1"><export><exportid>1</exportid><path>D:\\Exports</path>'
        f"<status>Exporting</status><devices><device><serverid>{SERVER}</serverid><deviceid>{DEVICE}</deviceid>"
        "<progress>10</progress><status>Exporting</status></device></devices></export></exports></result>"
    ).encode()
    replay.reply("GET", "/command", replay.wire("HTTP/1.1 200 OK", XML, status))
    replay.reply("DELETE", "/command", replay.wire("HTTP/1.1 200 OK", XML, b'<result errorcode="0"/>'))
    client = _client(replay, http, login="basic")
    handle = ExportHandle(
        export_ids=("1",), session_bound=True, data={"path": "D:\\Exports", "camera_id": f"{SERVER}/{DEVICE}"}
    )
    await client.cancel(handle)
    (deleted,) = replay.find("DELETE", "/command")
    assert deleted.target == SEED_DELETE.removeprefix("127.0.0.1").replace("[exportid]", "1")


@pytest.mark.asyncio
@pytest.mark.parametrize(("code", "description"), SEED_ERRORS)
async def test_each_documented_error_keeps_its_code_and_words(
    replay: Any, http: httpx.AsyncClient, code: int, description: str
) -> None:
    body = (
        f'<?xml version="1.0" ?>\n<result errorcode="{code}">\n'
        f"<description>{description}</description>\n</result>"
    )
    replay.reply("POST", "/command", replay.wire("HTTP/1.1 200 OK", XML, body.encode()))
    request = ExportRequest(
        camera_id=f"{SERVER}/{DEVICE}", span=SPAN, format="native", options={"path": "D:\\x"}
    )
    with pytest.raises(VendorError) as caught:
        await _client(replay, http, login="basic").start_export(request)
    assert caught.value.code == str(code)
    assert caught.value.vendor_text == description
    assert str(caught.value).endswith(f'The server said: "{description}" (code {code}).')


def test_the_articles_info_example_is_read_although_malformed() -> None:
    assert parse_info(INFO_EXAMPLE) == ("2.6.1", datetime(2013, 9, 3, 19, 5, 55, tzinfo=UTC))


@pytest.mark.asyncio
async def test_the_login_message_has_the_articles_shape(replay: Any, http: httpx.AsyncClient) -> None:
    info = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b"<apiinfo><utc>2013-09-04 08:38:43</utc><version>2.7.3</version></apiinfo>"
    )
    replay.reply("GET", "/info", replay.wire("HTTP/1.1 200 OK", XML, info))
    replay.reply("POST", "/webservice", replay.wire("HTTP/1.1 200 OK", XML, b'<result errorcode="0"/>'))
    devices = b'<result errorcode="0"><devices count="0"></devices></result>'
    replay.reply("GET", "/command", replay.wire("HTTP/1.1 200 OK", XML, devices))
    client = _client(replay, http)
    await client.connect()
    (login,) = replay.find("POST", "/webservice")
    assert login.line == "POST /webservice HTTP/1.1"
    sent, seed = etree.fromstring(login.body), etree.fromstring(DIGEST_EXAMPLE.encode())
    assert sent.tag == seed.tag == "AuthenticateUserDigest"
    assert [c.tag for c in sent] == [c.tag for c in seed]
    assert sent.findtext("nonce") == seed.findtext("nonce")
    # The timestamp is the server's clock (from /info), not the workstation's: within seconds of 2013.
    assert (sent.findtext("timestamp") or "").startswith("2013-09-04 08:38:")
    assert re.fullmatch(r"[0-9a-f]{40}", sent.findtext("digest") or "")
    assert client.login_scheme == "AuthenticateUserDigest"
    (listed,) = replay.find("GET", "/command")
    assert "authorization" not in listed.headers
