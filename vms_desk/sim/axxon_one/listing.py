"""Axxon One simulator: product version, server list, camera list and archive intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vms_desk.sim.archive import SimCamera
from vms_desk.sim.axxon_one.auth import Tokens
from vms_desk.sim.axxon_one.common import (
    SERVER,
    AxxonSimConfig,
    find_camera,
    json_reply,
    parse_time,
    source_id,
    text_reply,
    wire_time,
)
from vms_desk.sim.base import SimState

VERSION = "Axxon One 2.0.0.0 (vms_desk simulator)"


def _int_param(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def camera_entry(camera: SimCamera, config: AxxonSimConfig | None = None) -> dict[str, object]:
    """One camera as GET /camera/list shows it (abridged from the vendor's example)."""
    point = f"hosts/{source_id(camera)}"
    storage = f"hosts/{SERVER}/MultimediaStorage.STORAGE_A/MultimediaStorage"
    return {
        "accessPoint": point,
        "displayId": str(camera.index),
        "displayName": camera.name,
        "enabled": True,
        "isActivated": True,
        "ipAddress": "0.0.0.0",  # noqa: S104 - the vendor's own example value, not a bind address
        "model": "Virtual several streams",
        "vendor": "Virtual",
        "archives": [
            {
                "accessPoint": point,
                "default": True,
                "incomplete": False,
                "isEmbedded": False,
                "storage": storage,
                "storageDisplayName": "STORAGE_A",
            }
        ],
        "videoStreams": [{"accessPoint": point}, {"accessPoint": point.removesuffix("0:0") + "0:1"}],
        "audioStreams": [],
        "detectors": [],
        "ptzs": [],
        # A camera the user may watch but not export reports a level without the archive.
        "camera_access": (config or AxxonSimConfig()).granted_access
        if camera.exportable
        else (config or AxxonSimConfig()).restricted_access,
    }


class Listing:
    """Handlers that read the camera list and the archive."""

    def __init__(self, state: SimState, config: AxxonSimConfig, tokens: Tokens) -> None:
        self.state = state
        self.config = config
        self.tokens = tokens

    async def version(self, request: Request) -> Response:
        """GET /product/version (a legacy path)."""
        refused = self.tokens.check(request, basic_ok=not self.config.basic_legacy_401)
        if refused is None and self.config.version_404:
            return text_reply("Not Found", 404)
        return refused or json_reply({"version": VERSION})

    async def hosts(self, request: Request) -> Response:
        """GET /hosts/: the domain's servers."""
        return self.tokens.check(request) or json_reply([SERVER])

    async def cameras(self, request: Request) -> Response:
        """GET /camera/list with limit, next_page (an opaque offset here), filter and query."""
        refused = self.tokens.check(request, basic_ok=not self.config.basic_camera_list_401)
        if refused is not None:
            return refused
        limit = _int_param(request, "limit", 1000)
        offset = _int_param(request, "next_page", 0)
        if limit is None or limit == 0 or offset is None:
            return json_reply({"error": "limit and next_page must be positive numbers"}, 400)
        wanted = request.query_params.get("filter", "").removeprefix("hosts/")
        query = request.query_params.get("query", "").lower()
        cameras = [
            c
            for c in self.state.archive.cameras
            if (not wanted or source_id(c).startswith(wanted)) and query in c.name.lower()
        ]
        page = cameras[offset : offset + limit]
        reply: dict[str, object] = {
            "cameras": [camera_entry(c, self.config) for c in page],
            "search_meta_data": [],
        }
        if offset + limit < len(cameras):
            # UNCONFIRMED field name (VENDOR-NOTES 6.5); present only when there is a next page.
            reply["nextPageToken"] = str(offset + limit)
        return json_reply(reply)

    async def intervals(self, request: Request) -> Response:
        """GET /archive/contents/intervals/{VIDEOSOURCEID}/{ENDTIME}/{BEGINTIME} (a legacy path)."""
        refused = self.tokens.check(request, basic_ok=not self.config.basic_legacy_401)
        if refused is not None:
            return refused
        head, _, begin_text = request.path_params["rest"].rpartition("/")
        source, _, end_text = head.rpartition("/")
        camera = find_camera(self.state.archive, source)
        if camera is None:
            return text_reply(f"Unknown video source {source}", 404)
        now = datetime.now(UTC)
        words = {
            "past": self.state.archive.begin - timedelta(days=3650),
            "future": now + timedelta(days=3650),
        }
        end = words.get(end_text) or parse_time(end_text)
        begin = words.get(begin_text) or parse_time(begin_text)
        limit = _int_param(request, "limit", 100)
        scale = _int_param(request, "scale", 0)
        if end is None or begin is None or not limit or scale is None:
            return text_reply("Bad request: times are YYYYMMDDTHHMMSS[.ffffff], past or future", 400)
        low, high = min(begin, end), max(begin, end)
        spans = _merge(self.state.archive.spans(camera.index, self.state.archive.begin, now, now), scale)
        hits = [(s, e) for s, e in spans if (s < high and e > low) or (low == high and s <= low <= e)]
        if begin > end:  # the documented rule: BEGINTIME > ENDTIME gives descending order
            hits.reverse()
        body = {
            "intervals": [{"begin": wire_time(s), "end": wire_time(e)} for s, e in hits[:limit]],
            "more": len(hits) > limit,
            "result": 0,  # seen live with unconfirmed meaning (VENDOR-NOTES 6.6)
        }
        return json_reply(body)

    def routes(self) -> list[BaseRoute]:
        """The routes under the configured prefix."""
        p = self.config.prefix
        return [
            Route(f"{p}/product/version", self.version, methods=["GET"]),
            Route(f"{p}/hosts/", self.hosts, methods=["GET"]),
            Route(f"{p}/camera/list", self.cameras, methods=["GET"]),
            Route(f"{p}/archive/contents/intervals/{{rest:path}}", self.intervals, methods=["GET"]),
        ]


def _merge(spans: list[tuple[datetime, datetime]], scale_ms: int) -> list[tuple[datetime, datetime]]:
    """Join intervals separated by less than `scale` ms (the documented meaning of `scale`)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and (start - merged[-1][1]) < timedelta(milliseconds=scale_ms):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
