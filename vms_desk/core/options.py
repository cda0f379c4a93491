"""Export options: what a vendor declares it accepts, and validation of what a user gives.

Each validator returns the normalised value or raises InputError with a sentence for the user.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from vms_desk.core.errors import InputError

JsonValue = Any  # options are JSON values (str, number, bool, lists); validators narrow them
Point = list[float]
Area = list[Point]
REDACTED = "***"


class OptionKind(StrEnum):
    """How an option is edited in the dialog and validated."""

    AREA = "area"  # [[x1,y1],[x2,y2]], normalised, first above-left of second
    POLYGONS = "polygons"  # [[[x,y],...,closing point], ...]
    COLOR = "color"  # #RRGGBB
    TEXT = "text"
    TSFORMAT = "tsformat"  # timestamp template, previewed live
    INT = "int"
    CHOICE = "choice"
    SECRET = "secret"  # noqa: S105 - never stored, logged or written to a manifest
    PATH = "path"  # a path on the server


class OptionSpec(BaseModel):
    """One option a vendor accepts, with its type, range and the formats it applies to."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: OptionKind
    label: str
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    formats: tuple[str, ...] | None = None  # None: every format
    default: JsonValue = None
    required: bool = False
    # AREA/POLYGONS only: what the normalised coordinates are relative to, "frame" (the camera image)
    # or "page" (the exported PDF page); the dialog draws each over the matching canvas.
    canvas: str = "frame"

    def applies_to(self, fmt: str) -> bool:
        """True when the option is meaningful for the given format."""
        return self.formats is None or fmt in self.formats


class FormatSpec(BaseModel):
    """An export format in the vendor's own name; `frame` formats export a single instant."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str = ""
    frame: bool = False


class Capabilities(BaseModel):
    """What a vendor (or a particular server) can export; the export dialog is built from this."""

    model_config = ConfigDict(frozen=True)

    formats: tuple[FormatSpec, ...]
    options: tuple[OptionSpec, ...] = ()
    recordings_known: bool = True
    files_stay_on_server: bool = False

    def format(self, name: str) -> FormatSpec:
        """The format called `name`, or an InputError listing the offered ones."""
        for spec in self.formats:
            if spec.name == name:
                return spec
        offered = ", ".join(f.name for f in self.formats) or "none"
        raise InputError(f"This server does not offer the format {name!r}; it offers: {offered}.")

    def options_for(self, fmt: str) -> tuple[OptionSpec, ...]:
        """The options that apply to `fmt`."""
        return tuple(o for o in self.options if o.applies_to(fmt))

    def secret_names(self) -> frozenset[str]:
        """Names of options that must never be written anywhere."""
        return frozenset(o.name for o in self.options if o.kind is OptionKind.SECRET)


def _number(value: JsonValue, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{what} must be a number, not {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{what} must be a finite number.")
    return number


def _point(value: JsonValue, what: str) -> Point:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InputError(f"{what} must be a point [x, y], not {value!r}.")
    x, y = (_number(v, what) for v in value)
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise InputError(f"{what} [{x:g}, {y:g}] must lie inside the frame: x and y between 0 and 1.")
    return [x, y]


def validate_area(value: JsonValue, name: str = "croparea") -> Area:
    """Two points in [0,1]², the first above and left of the second."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InputError(f"{name} must be two points [[x1, y1], [x2, y2]] between 0 and 1.")
    first = _point(value[0], f"{name}'s first point")
    second = _point(value[1], f"{name}'s second point")
    if not (first[0] < second[0] and first[1] < second[1]):
        raise InputError(
            f"{name}'s first point must be above and to the left of its second point "
            f"(got [{first[0]:g}, {first[1]:g}] and [{second[0]:g}, {second[1]:g}])."
        )
    return [first, second]


def _polygon(value: JsonValue, index: int, name: str) -> list[Point]:
    what = f"{name} polygon {index + 1}"
    if not isinstance(value, list | tuple):
        raise InputError(f"{what} must be a list of points [x, y].")
    points = [_point(p, f"{what}, point {i + 1},") for i, p in enumerate(value)]
    if len(points) < 4:
        raise InputError(
            f"{what} needs at least 3 corner points plus a closing point equal to one of them "
            f"(got {len(points)} points)."
        )
    anchors, closing = points[:-1], points[-1]
    if closing not in anchors:
        raise InputError(f"{what}'s last point must repeat one of its corner points to close it.")
    distinct = {(p[0], p[1]) for p in anchors}
    if len(distinct) < 3:
        raise InputError(f"{what} needs at least 3 different corner points.")
    # A polygon with no area (all points on a line) masks nothing: refuse it so the user notices.
    twice_area = sum(
        a[0] * b[1] - b[0] * a[1] for a, b in zip(anchors, anchors[1:] + anchors[:1], strict=True)
    )
    if abs(twice_area) < 1e-12:
        first = anchors[0]
        other = next(p for p in anchors if p != first)
        on_line = all(
            abs((other[0] - first[0]) * (p[1] - first[1]) - (other[1] - first[1]) * (p[0] - first[0])) < 1e-12
            for p in anchors
        )
        if on_line:
            raise InputError(f"{what} has no area: its corner points lie on one line.")
        # E.g. a bow-tie whose halves cancel out: the corners are not in order around the shape.
        raise InputError(
            f"{what} has no area: its edges cross so that its parts cancel out; list the corner points "
            "in order around the shape."
        )
    return points


def validate_polygons(value: JsonValue, name: str = "maskspace") -> list[list[Point]]:
    """One or more polygons of at least 3 anchor points plus a closing point equal to an anchor."""
    if not isinstance(value, list | tuple) or not value:
        raise InputError(f"{name} must be a list of one or more polygons.")
    # A single polygon given without the outer list is common: accept [[x,y],...] too.
    if all(isinstance(p, list | tuple) and len(p) == 2 and not isinstance(p[0], list) for p in value):
        value = [value]
    return [_polygon(p, i, name) for i, p in enumerate(value)]


_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def validate_color(value: JsonValue, name: str = "color") -> str:
    """A #RRGGBB web colour."""
    if not isinstance(value, str) or not _COLOR.match(value):
        raise InputError(f"{name} must be a web colour like #FF0000, not {value!r}.")
    return value.upper()


def _validate_int(spec: OptionSpec, value: JsonValue) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise InputError(f"{spec.name} must be a whole number, not {value!r}.")
    number = int(value)
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if high is None:
            raise InputError(f"{spec.name} must be {low} or more (got {number}).")
        raise InputError(f"{spec.name} must be between {low} and {high} (got {number}).")
    return number


def _validate_text(spec: OptionSpec, value: JsonValue) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"{spec.name} must be text, not {value!r}.")
    text = str(value)
    if any(ord(c) < 32 and c not in "\t\n" for c in text):
        raise InputError(f"{spec.name} contains control characters.")
    if spec.maximum is not None and len(text) > spec.maximum:
        raise InputError(f"{spec.name} is too long ({len(text)} characters; at most {spec.maximum}).")
    if spec.required and not text.strip():
        raise InputError(f"{spec.label} must not be empty.")
    return text


def _validate_choice(spec: OptionSpec, value: JsonValue) -> str:
    text = str(value)
    if text not in spec.choices:
        raise InputError(f"{spec.name} must be one of {', '.join(spec.choices)} (got {text!r}).")
    return text


_VALIDATORS: dict[OptionKind, Callable[[OptionSpec, JsonValue], JsonValue]] = {
    OptionKind.AREA: lambda spec, v: validate_area(v, spec.name),
    OptionKind.POLYGONS: lambda spec, v: validate_polygons(v, spec.name),
    OptionKind.COLOR: lambda spec, v: validate_color(v, spec.name),
    OptionKind.INT: _validate_int,
    OptionKind.CHOICE: _validate_choice,
    OptionKind.TEXT: _validate_text,
    OptionKind.TSFORMAT: _validate_text,
    OptionKind.SECRET: _validate_text,
    OptionKind.PATH: _validate_text,
}


def validate_options(caps: Capabilities, fmt: str, options: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """Normalised options for `fmt`; refuses unknown names, values out of range, and misplaced options."""
    caps.format(fmt)
    by_name = {o.name: o for o in caps.options}
    result: dict[str, JsonValue] = {}
    for name, value in options.items():
        spec = by_name.get(name)
        if spec is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise InputError(f"Unknown option {name!r} for this server; it accepts: {known}.")
        if not spec.applies_to(fmt):
            allowed = ", ".join(spec.formats or ())
            raise InputError(f"The option {name!r} applies only to the formats {allowed}, not {fmt}.")
        result[name] = _VALIDATORS[spec.kind](spec, value)
    for spec in caps.options_for(fmt):
        if spec.required and spec.name not in result:
            raise InputError(f"The option {spec.name!r} ({spec.label}) is required for {fmt}.")
    return result


def redact(options: Mapping[str, JsonValue], secret_names: frozenset[str]) -> dict[str, JsonValue]:
    """A copy safe to write anywhere: secret values replaced by ***."""
    return {k: (REDACTED if k in secret_names else v) for k, v in options.items()}


def parse_option_arg(text: str) -> tuple[str, JsonValue]:
    """KEY=VALUE from the CLI: VALUE as JSON when it parses, else the string itself."""
    import json

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(f"--option {text!r} must look like KEY=VALUE.")
    try:
        value: JsonValue = json.loads(raw)
    except (ValueError, RecursionError):  # nested too deeply for the parser: not JSON, so text
        value = raw
    return key, value
