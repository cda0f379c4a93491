"""Vendor time formats round-trip; user times refuse DST gaps and folds."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vms_desk.core import times
from vms_desk.core.errors import InputError, ProtocolError

instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
whole_seconds = instants.map(lambda d: d.replace(microsecond=0))
millis = instants.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(instants)
def test_axxon_round_trip(value: datetime) -> None:
    assert times.from_axxon(times.to_axxon(value)) == value


@given(millis)
def test_vdg_round_trip(value: datetime) -> None:
    text = times.to_vdg(value)
    assert len(text) == len("yyyy-mm-dd hh:nn:ss.zzz")
    assert times.from_vdg(text) == value


@given(instants)
def test_axis_iso_round_trip(value: datetime) -> None:
    assert times.from_iso(times.to_axis(value), "Axis") == value


@given(whole_seconds)
def test_axis_rtsp_round_trip(value: datetime) -> None:
    text = times.to_axis_rtsp(value)
    assert text.endswith("Z")
    assert "T" in text
    assert times.from_axis_rtsp(text) == value


@given(instants.map(lambda d: d.replace(microsecond=d.microsecond // 10000 * 10000)))
def test_psim_round_trip(value: datetime) -> None:
    assert times.from_iso(times.to_psim(value), "PSIM") == value


@given(whole_seconds, offsets)
def test_exacq_round_trip_with_server_offset(value: datetime, zone: timezone) -> None:
    assert times.from_iso(times.to_exacq(value, zone), "exacq") == value


@given(whole_seconds, offsets)
def test_user_time_with_offset(value: datetime, zone: timezone) -> None:
    assert times.parse_user_time(value.astimezone(zone).isoformat()) == value


def test_exacq_keeps_server_offset() -> None:
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert times.to_exacq(moment, ZoneInfo("America/New_York")) == "2026-07-01T08:00:00-04:00"
    assert times.to_exacq(moment) == "2026-07-01T12:00:00Z"


def test_psim_reply_with_local_offset() -> None:
    assert times.from_iso("2016-06-27T15:10:00.000+03:00", "PSIM") == datetime(
        2016, 6, 27, 12, 10, tzinfo=UTC
    )


def test_axxon_fraction_forms() -> None:
    assert times.from_axxon("20200512T105111.089000") == datetime(2020, 5, 12, 10, 51, 11, 89000, tzinfo=UTC)
    assert times.from_axxon("20200415T085456.908").microsecond == 908000
    assert times.to_axxon(datetime(2020, 4, 15, 8, 54, 56, tzinfo=UTC)) == "20200415T085456"


@pytest.mark.parametrize("bad", ["", "2020", "20201312T000000", "20200101T256000", "x20200101T000000"])
def test_axxon_garbage_is_protocol_error(bad: str) -> None:
    with pytest.raises(ProtocolError):
        times.from_axxon(bad)


def test_naive_user_time_is_local() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert times.parse_user_time("2026-01-10T10:00:00", berlin) == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert times.parse_user_time("2026-07-10 10:00", berlin) == datetime(2026, 7, 10, 8, 0, tzinfo=UTC)


def test_dst_gap_is_refused() -> None:
    with pytest.raises(InputError, match="does not exist"):
        times.parse_user_time("2026-03-29T02:30:00", ZoneInfo("Europe/Berlin"))


def test_dst_fold_is_refused() -> None:
    with pytest.raises(InputError, match="happens twice"):
        times.parse_user_time("2026-10-25T02:30:00", ZoneInfo("Europe/Berlin"))


def test_dst_fold_with_offset_is_fine() -> None:
    assert times.parse_user_time("2026-10-25T02:30:00+01:00") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30", "12:00", "  "])
def test_unreadable_user_time(bad: str) -> None:
    with pytest.raises(InputError):
        times.parse_user_time(bad)


def test_zone_label_names_the_zone() -> None:
    label = times.zone_label(ZoneInfo("Europe/Berlin"), datetime(2026, 1, 1, tzinfo=UTC))
    assert label == "Europe/Berlin (UTC+01:00)"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX: /etc/localtime")
def test_the_local_zone_is_read_from_the_localtime_link_unless_tz_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(times.os.path, "realpath", lambda _: "/usr/share/zoneinfo/Europe/Berlin")
    monkeypatch.delenv("TZ", raising=False)
    times._linked_zone.cache_clear()
    try:
        assert times.local_zone() == ZoneInfo("Europe/Berlin")
        monkeypatch.setattr(times.os.path, "realpath", lambda _: "/etc/localtime")  # a copied file
        times._linked_zone.cache_clear()
        assert times._linked_zone() is None
        monkeypatch.setattr(times.os.path, "realpath", lambda _: "/usr/share/zoneinfo/Nowhere/Atlantis")
        times._linked_zone.cache_clear()
        assert times._linked_zone() is None
        monkeypatch.setenv("TZ", "Asia/Tokyo")
        monkeypatch.setattr(times.os.path, "realpath", lambda _: "/usr/share/zoneinfo/Europe/Berlin")
        times._linked_zone.cache_clear()
        assert times._linked_zone() is None  # tzlocal honours TZ
    finally:
        times._linked_zone.cache_clear()
