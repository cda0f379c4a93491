"""format_timestamp: boost date_time flags rendered without strftime, never raising."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vms_desk.core.tsformat import DEFAULT_TSFORMAT, format_timestamp

WHEN = datetime(2026, 11, 20, 13, 5, 7, 200000, tzinfo=UTC)


def test_default_template_is_boosts_and_renders_like_axxon() -> None:
    assert DEFAULT_TSFORMAT == "%Y-%b-%d %H:%M:%S"
    assert format_timestamp(DEFAULT_TSFORMAT, WHEN) == "2026-Nov-20 13:05:07"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("%d.%m.%Y %H:%M:%S", "20.11.2026 13:05:07"),
        ("%y/%m/%d", "26/11/20"),
        ("%B %e, %Y", "November 20, 2026"),
        ("%a %A %b", "Fri Friday Nov"),
        ("%j", "324"),
        ("%I:%M %p", "01:05 PM"),
        ("%T", "13:05:07"),
        ("%D", "11/20/26"),
        ("%R", "13:05"),
        ("%H:%M:%S.%f", "13:05:07.200000"),
        ("%H:%M:%S%F", "13:05:07.200000"),
        ("%H:%M:%s", "13:05:07.200000"),
        ("%Z %z", "UTC +0000"),
        ("100%% sure", "100% sure"),
        ("%Q and %", "%Q and %"),
        ("no flags at all", "no flags at all"),
        ("", ""),
        ("%c", "Fri Nov 20 13:05:07 2026"),
        ("%u %w %V %G", "5 5 47 2026"),
    ],
)
def test_templates(template: str, expected: str) -> None:
    assert format_timestamp(template, WHEN) == expected


def test_fraction_flag_F_is_empty_on_whole_seconds() -> None:
    whole = WHEN.replace(microsecond=0)
    assert format_timestamp("%S%F|%f|%s", whole) == "07|000000|07.000000"


def test_naive_time_has_no_zone_and_offsets_keep_their_sign() -> None:
    naive = WHEN.replace(tzinfo=None)
    assert format_timestamp("[%Z][%z]", naive) == "[][]"
    kolkata = WHEN.astimezone(timezone(timedelta(hours=5, minutes=30), "IST"))
    assert format_timestamp("%H:%M %Z %z", kolkata) == "18:35 IST +0530"
    west = WHEN.astimezone(timezone(timedelta(hours=-3)))
    assert format_timestamp("%z", west) == "-0300"


def test_midnight_and_noon_on_the_12_hour_clock() -> None:
    assert format_timestamp("%I %p", WHEN.replace(hour=0)) == "12 AM"
    assert format_timestamp("%I %p", WHEN.replace(hour=12)) == "12 PM"


def test_small_years_are_zero_padded() -> None:
    assert format_timestamp("%Y-%m-%d", datetime(7, 1, 2)) == "0007-01-02"


def test_matches_strftime_for_the_flags_both_define_the_same_way() -> None:
    template = "%Y %y %m %b %B %d %H %M %S %a %A %j %p %I %e %T %D %R %U %W %V %G %g %u %w %C %h %% %n %t"
    for days in range(0, 800, 37):
        when = WHEN + timedelta(days=days, hours=days % 24)
        assert format_timestamp(template, when) == when.strftime(template)


# Fixed offsets rather than st.timezones(): zoneinfo needs the tzdata package on Windows.
OFFSETS = st.builds(
    timezone,
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)),
)


@given(template=st.text(), when=st.datetimes(timezones=st.none() | OFFSETS))
def test_never_raises(template: str, when: datetime) -> None:
    assert isinstance(format_timestamp(template, when), str)


@given(template=st.text(alphabet=st.sampled_from("%YmdHMSfFsTbZz% x\n")))
def test_never_raises_on_flag_heavy_text(template: str) -> None:
    assert isinstance(format_timestamp(template, WHEN), str)


@given(text=st.text().filter(lambda t: "%" not in t))
def test_text_without_flags_is_returned_unchanged(text: str) -> None:
    assert format_timestamp(text, WHEN) == text
