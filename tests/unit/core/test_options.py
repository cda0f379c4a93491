"""Option validation accepts exactly the valid values, with sentences a user understands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vms_desk.core.errors import InputError
from vms_desk.core.export import build_request
from vms_desk.core.models import TimeSpan
from vms_desk.core.options import (
    Capabilities,
    FormatSpec,
    OptionKind,
    OptionSpec,
    parse_option_arg,
    redact,
    validate_area,
    validate_color,
    validate_options,
    validate_polygons,
)

unit = st.floats(min_value=0, max_value=1, allow_nan=False)
CAPS = Capabilities(
    formats=(FormatSpec(name="mp4"), FormatSpec(name="jpg", frame=True)),
    options=(
        OptionSpec(name="croparea", kind=OptionKind.AREA, label="Crop", formats=("jpg",)),
        OptionSpec(name="maskspace", kind=OptionKind.POLYGONS, label="Mask", formats=("jpg",)),
        OptionSpec(name="color", kind=OptionKind.COLOR, label="Colour"),
        OptionSpec(
            name="vc", kind=OptionKind.INT, label="Video quality", minimum=0, maximum=6, formats=("mp4",)
        ),
        OptionSpec(name="maxfilesize", kind=OptionKind.INT, label="Max size", minimum=0),
        OptionSpec(name="layout", kind=OptionKind.CHOICE, label="Layout", choices=("0", "1")),
        OptionSpec(name="password", kind=OptionKind.SECRET, label="Password"),
    ),
)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@given(unit, unit, unit, unit)
def test_area_accepts_exactly_ordered_points(x1: float, y1: float, x2: float, y2: float) -> None:
    value = [[x1, y1], [x2, y2]]
    if x1 < x2 and y1 < y2:
        assert validate_area(value) == value
    else:
        with pytest.raises(InputError, match="above and to the left"):
            validate_area(value)


@given(st.lists(st.tuples(unit, unit), min_size=3, max_size=8, unique=True))
def test_closed_polygon_with_area_is_accepted(points: list[tuple[float, float]]) -> None:
    anchors = [[x, y] for x, y in points]
    twice_area = sum(
        a[0] * b[1] - b[0] * a[1] for a, b in zip(anchors, anchors[1:] + anchors[:1], strict=True)
    )
    assume(abs(twice_area) > 1e-9)
    assert validate_polygons([[*anchors, anchors[0]]]) == [[*anchors, anchors[0]]]
    outside = [0.123457, 0.987653]
    assume(outside not in anchors)
    with pytest.raises(InputError, match="repeat one of its corner"):
        validate_polygons([[*anchors, outside]])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([[[0, 0], [1, 0], [0, 0]]], "at least 3 corner"),
        ([[[0, 0], [0.5, 0.5], [1, 1], [0, 0]]], "no area"),
        ([[[0, 0], [1, 0], [1, 1], [2, 2]]], "inside the frame"),
        ([], "one or more polygons"),
        ("[[0,0]]", "one or more polygons"),
        ([[[0, 0], [1, 0], [1, "a"], [0, 0]]], "must be a number"),
    ],
)
def test_bad_polygons(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_polygons(value)


def test_single_polygon_without_outer_list() -> None:
    polygon = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.1]]
    assert validate_polygons(polygon) == [polygon]


@given(st.text(max_size=10))
def test_color_accepts_only_web_colours(text: str) -> None:
    valid = len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in text[1:])
    if valid:
        assert validate_color(text) == text.upper()
    else:
        with pytest.raises(InputError, match="web colour"):
            validate_color(text)


@given(st.integers(min_value=-20, max_value=20))
def test_vc_range(value: int) -> None:
    if 0 <= value <= 6:
        assert validate_options(CAPS, "mp4", {"vc": value}) == {"vc": value}
    else:
        with pytest.raises(InputError, match="between 0 and 6"):
            validate_options(CAPS, "mp4", {"vc": value})


def test_maxfilesize_non_negative_and_layout_choice() -> None:
    assert validate_options(CAPS, "mp4", {"maxfilesize": 1e6}) == {"maxfilesize": 1000000}
    with pytest.raises(InputError, match="0 or more"):
        validate_options(CAPS, "mp4", {"maxfilesize": -1})
    assert validate_options(CAPS, "jpg", {"layout": 1}) == {"layout": "1"}
    with pytest.raises(InputError, match="one of 0, 1"):
        validate_options(CAPS, "jpg", {"layout": 2})


def test_unknown_and_misplaced_options() -> None:
    with pytest.raises(InputError, match="Unknown option 'foo'"):
        validate_options(CAPS, "mp4", {"foo": 1})
    with pytest.raises(InputError, match="only to the formats jpg"):
        validate_options(CAPS, "mp4", {"croparea": [[0, 0], [1, 1]]})
    with pytest.raises(InputError, match="offers: mp4, jpg"):
        validate_options(CAPS, "mov", {})


def test_redact_hides_secrets() -> None:
    assert redact({"password": "s3cret", "vc": 1}, CAPS.secret_names()) == {"password": "***", "vc": 1}


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("vc=3", ("vc", 3)),
        ("comment=hello world", ("comment", "hello world")),
        ("croparea=[[0,0],[1,1]]", ("croparea", [[0, 0], [1, 1]])),
        ("path=C:\\x", ("path", "C:\\x")),
    ],
)
def test_option_args(arg: str, expected: tuple[str, Any]) -> None:
    assert parse_option_arg(arg) == expected


def test_option_arg_without_equals() -> None:
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_option_arg("vc")


def span(start: datetime, end: datetime) -> TimeSpan:
    return TimeSpan(start=start, end=end)


def test_request_rules() -> None:
    hour = timedelta(hours=1)
    build_request(CAPS, camera_id="1", span=span(NOW - hour, NOW), fmt="mp4", options={}, now=NOW)
    build_request(CAPS, camera_id="1", span=span(NOW - hour, NOW - hour), fmt="jpg", options={}, now=NOW)
    with pytest.raises(InputError, match="same instant"):
        build_request(CAPS, camera_id="1", span=span(NOW - hour, NOW - hour), fmt="mp4", options={}, now=NOW)
    with pytest.raises(InputError, match="in the future"):
        build_request(
            CAPS, camera_id="1", span=span(NOW + hour, NOW + 2 * hour), fmt="mp4", options={}, now=NOW
        )
    with pytest.raises(InputError, match="days long"):
        build_request(
            CAPS, camera_id="1", span=span(NOW - 400 * 24 * hour, NOW), fmt="mp4", options={}, now=NOW
        )
    with pytest.raises(InputError, match="No camera"):
        build_request(CAPS, camera_id=" ", span=span(NOW - hour, NOW), fmt="mp4", options={}, now=NOW)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InputError, match="before the start"):
        span(NOW, NOW - timedelta(seconds=1))
