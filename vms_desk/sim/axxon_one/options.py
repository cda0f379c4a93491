"""The Axxon One simulator's check of an export request body (what the Web-Server answers 400 for)."""

from __future__ import annotations

import math
from typing import Any

from vms_desk.sim.media_still import normalise_polygons, normalise_rect, parse_color

FORMATS = ("mp4", "mkv", "avi", "exe", "jpg", "pdf")
FRAME_FORMATS = ("jpg", "pdf")
_AREAS = ("croparea", "snapshotplace", "commentplace", "tsplace")
_RANGES = {"vc": (0, 6), "ac": (0, 6), "freq": (0, 3), "layout": (0, 1)}


class BadRequest(ValueError):
    """The body is refused; the message is the reason sent back with the 400."""


def _number(name: str, value: Any) -> float:
    if isinstance(value, str):  # a numeric string is tolerated, as JSON producers vary
        try:
            value = float(value)
        except ValueError:
            raise BadRequest(f"{name} must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequest(f"{name} must be a number")
    return float(value)


def check_body(body: Any) -> dict[str, Any]:
    """The normalised options (with `format`), or BadRequest with the reason."""
    if not isinstance(body, dict):
        raise BadRequest('the request body must be a JSON object with at least "format"')
    fmt = body.get("format")
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise BadRequest(f"format is mandatory and must be one of {', '.join(FORMATS)}")
    options: dict[str, Any] = {"format": fmt.lower()}
    _numbers(body, options)
    try:
        _shapes(body, options)
    except BadRequest:
        raise
    except ValueError as exc:  # the media helpers' own refusal of a malformed area or colour
        raise BadRequest(str(exc)) from None
    for name in ("comment", "tsformat"):
        if name in body:
            if not isinstance(body[name], str):
                raise BadRequest(f"{name} must be a string")
            options[name] = body[name]  # the server does not check tsformat (documented)
    return options


def _numbers(body: dict[str, Any], options: dict[str, Any]) -> None:
    if "maxfilesize" in body:
        size = _number("maxfilesize", body["maxfilesize"])
        if size < 0:
            raise BadRequest("maxfilesize must be 0 or more")
        options["maxfilesize"] = int(size)
    for name, (low, high) in _RANGES.items():
        if name in body:
            value = _number(name, body[name])
            if value != int(value) or not low <= value <= high:
                raise BadRequest(f"{name} must be a whole number from {low} to {high}")
            options[name] = int(value)


def _shapes(body: dict[str, Any], options: dict[str, Any]) -> None:
    for name in _AREAS:
        if name in body:
            options[name] = normalise_rect(body[name])
    if "maskspace" in body:
        polygons = normalise_polygons(body["maskspace"])
        if any(len(p) < 4 for p in polygons):
            raise BadRequest("each maskspace area needs 3 anchor points and a closing point")
        options["maskspace"] = polygons
    if "color" in body:
        if not isinstance(body["color"], str):
            raise BadRequest("color must be a #RRGGBB string")
        parse_color(body["color"], (255, 255, 255))
        options["color"] = body["color"]
