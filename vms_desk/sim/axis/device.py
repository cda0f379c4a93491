"""Device information, parameters, disks and the recording list of the simulated Axis device."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from vms_desk.core.errors import ProtocolError
from vms_desk.core.times import from_iso
from vms_desk.sim.axis import model
from vms_desk.sim.axis.auth import Handler
from vms_desk.sim.base import SimState

LIST_LIMIT = 100  # record/list.cgi answers at most this many recordings per request (a choice)
XML_HEAD = '<?xml version="1.0" ?>\n'
SCHEMA = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation='


def xml(body: str) -> Response:
    """An XML reply as the device sends it: 200, text/xml."""
    return Response(XML_HEAD + body, media_type="text/xml")


async def form(request: Request) -> dict[str, str]:
    """Query and (for POST) urlencoded body parameters together, lower-cased names."""
    values = {k.lower(): v for k, v in request.query_params.items()}
    if request.method == "POST" and "urlencoded" in request.headers.get("content-type", ""):
        # Parsed here: Starlette's form parser needs python-multipart, which the product does not ship.
        body = (await request.body()).decode("utf-8", errors="replace")
        values.update({k.lower(): v for k, v in parse_qsl(body, keep_blank_values=True)})
    return values


def basic_device_info(state: SimState) -> Handler:
    """POST /axis-cgi/basicdeviceinfo.cgi: the JSON API (getAllProperties, getSupportedVersions)."""

    async def handler(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            method = body.get("method", "") if isinstance(body, dict) else ""
        except ValueError:
            error = {"code": 4002, "message": "JSON syntax error"}
            return JSONResponse({"apiVersion": "1.3", "error": error})
        if method == "getAllProperties":
            return JSONResponse({"apiVersion": "1.3", "data": {"propertyList": model.DEVICE_PROPERTIES}})
        if method == "getSupportedVersions":
            return JSONResponse({"method": method, "data": {"apiVersions": ["1.3"]}})
        return JSONResponse({"apiVersion": "1.3", "error": {"code": 2002, "message": "Method not supported"}})

    return handler


def parameters(state: SimState) -> dict[str, str]:
    """The device's parameter tree (the parts a client reads)."""
    props = model.DEVICE_PROPERTIES
    params = {
        "root.Brand.Brand": props["Brand"],
        "root.Brand.ProdFullName": props["ProdFullName"],
        "root.Brand.ProdNbr": props["ProdNbr"],
        "root.Brand.ProdShortName": props["ProdShortName"],
        "root.Brand.ProdType": props["ProdType"],
        "root.Properties.Firmware.Version": props["Version"],
        "root.Properties.System.SerialNumber": model.SERIAL,
        "root.Properties.LocalStorage.LocalStorage": "yes",
        "root.Properties.LocalStorage.ExportRecording": "yes",
        "root.ImageSource.NbrOfSources": str(len(state.archive.cameras)),
    }
    for number, camera in enumerate(state.archive.cameras):
        params[f"root.ImageSource.I{number}.Name"] = camera.name
    return params


def param_cgi(state: SimState) -> Handler:
    """GET|POST /axis-cgi/param.cgi?action=list[&group=a,b]: `name=value` lines, errors as `# Error:`."""

    async def handler(request: Request) -> Response:
        values = await form(request)
        if values.get("action") != "list":
            return PlainTextResponse("# Error: Only action=list is simulated\n")
        params = parameters(state)
        groups = [g.strip() for g in values.get("group", "root").split(",") if g.strip()]
        lines: list[str] = []
        for group in groups:
            prefix = group if group.lower().startswith("root") else f"root.{group}"
            found = [f"{k}={v}" for k, v in params.items() if k == prefix or k.startswith(prefix + ".")]
            lines.extend(found or [f"# Error: Error -1 getting param in group '{group}'"])
        return PlainTextResponse("\n".join(lines) + "\n")

    return handler


def disks_list(state: SimState) -> Handler:
    """GET /axis-cgi/disks/list.cgi?diskid=all|ID,...: the SD card that holds every recording."""

    async def handler(request: Request) -> Response:
        wanted = request.query_params.get("diskid", "all")
        ids = None if wanted == "all" else {d.strip() for d in wanted.split(",")}
        disks = []
        if ids is None or model.DISK_ID in ids:
            disks.append(
                f'<disk diskid="{model.DISK_ID}" name="SD card" totalsize="62522368" freesize="20971520" '
                'cleanuplevel="95" cleanupmaxage="7" cleanuppolicy="fifo" locked="no" full="no" '
                'readonly="no" filesystem="ext4" status="OK" group="S0" requiredfilesystem="none" '
                'diskencryptionenabled="false" diskencrypted="false"/>'
            )
        return xml(
            f'<root {SCHEMA}"http://www.axis.com/vapix/http_cgi/disk/list1.xsd">'
            f'<disks numberofdisks="{len(disks)}">{"".join(disks)}</disks></root>'
        )

    return handler


def _time(values: dict[str, str], name: str) -> datetime | None:
    text = values.get(name)
    return from_iso(text, "Axis") if text else None


def record_list(state: SimState) -> Handler:
    """GET|POST /axis-cgi/record/list.cgi: recordings that overlap starttime..stoptime, and more."""

    async def handler(request: Request) -> Response:
        values = await form(request)
        now = datetime.now(UTC)
        all_recordings = model.recordings(state, now)
        entity = values.get("listentity", "recording")
        head = f'<root {SCHEMA}"http://www.axis.com/vapix/http_cgi/recording/list1.xsd">'
        if entity == "eventid":
            return xml(f"{head}<eventids><eventid>continuous</eventid></eventids></root>")
        if entity == "source":
            sources = "".join(f"<source>{c.index}</source>" for c in state.archive.cameras)
            return xml(f"{head}<sources>{sources}</sources></root>")
        if entity not in ("recording", "recordingid"):
            return PlainTextResponse(f"Error: invalid listentity {entity!r}", status_code=400)
        if not any(values.get(k) for k in ("recordingid", "starttime", "stoptime")):
            # The documented rule; the reply for breaking it is not documented (400 is a choice).
            return PlainTextResponse("Error: recordingid, starttime or stoptime is required", status_code=400)
        try:
            start, stop = _time(values, "starttime"), _time(values, "stoptime")
            first = int(values.get("startatresultnumber", "0") or 0)
            limit = min(int(values.get("maxnumberofresults", LIST_LIMIT) or LIST_LIMIT), LIST_LIMIT)
        except (ProtocolError, ValueError):
            return PlainTextResponse("Error: invalid parameter value", status_code=400)
        disk = values.get("diskid")
        on_disk = [r for r in all_recordings if disk in (None, "", r.diskid)]
        matched = [
            r
            for r in on_disk
            if values.get("recordingid", "all") in ("all", r.recordingid)
            and (start is None or r.end(now) >= start)  # "any part of it on or after this time"
            and (stop is None or r.start <= stop)  # "any part of it on or before this time"
            and values.get("source", str(r.camera.index)) == str(r.camera.index)
            and values.get("eventid", "continuous") == "continuous"
        ]
        matched.sort(key=lambda r: (r.start, r.camera.index), reverse=values.get("sortorder") != "ascending")
        # startatresultnumber counts from 0 here; the documentation does not say (a choice).
        page = matched[max(0, first) : max(0, first) + max(0, limit)]
        body = "".join(model.recording_xml(r) for r in page)
        return xml(
            f'{head}<recordings totalnumberofrecordings="{len(on_disk)}" '
            f'numberofrecordings="{len(matched)}">{body}</recordings></root>'
        )

    return handler
