"""`LondonDates` against `parse_datetime_to_london_date`: (Hypothesis) the same date or the same
error for every text, in any order, whatever it remembers; timestamps near midnight UTC, in
the war's double summer time and before 1847 (local mean time) included."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.cells import CellError, parse_datetime_to_london_date
from app.integrations.dates import LondonDates


def parsed(parse: object, text: str) -> date | str | None:
    assert callable(parse)
    try:
        found = parse(text)
    except CellError as error:
        return error.message
    assert found is None or isinstance(found, date)
    return found


days = st.dates(date(1800, 1, 1), date(2100, 12, 31)) | st.sampled_from(
    [date(1847, 11, 30), date(1941, 6, 1), date(1947, 4, 20), date(1968, 12, 1), date(2025, 3, 30)]
)
clocks = st.builds(
    "{:02d}:{:02d}{}{}".format,
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(["", ":00", ":59", ":60", ".5", ",25"]),
    st.sampled_from(["", "Z", "z", "+01:00", "-0130", " "]),
)


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    day = draw(days)
    written = draw(st.sampled_from([day.isoformat(), day.strftime("%d/%m/%Y")]))
    if draw(st.booleans()):
        written = written.replace("-0", "-3", 1)  # sometimes no day of the calendar
    return written + draw(st.sampled_from(["", " ", "T", "t", "  "])) + draw(clocks)


@settings(max_examples=500, deadline=None)
@given(st.lists(timestamps() | st.text(max_size=25), max_size=30), st.integers(1, 4))
def test_remembered_dates_are_the_parsers(texts: list[str], limit: int) -> None:
    dates = LondonDates(limit)
    for text in texts * 2:
        assert parsed(dates, text) == parsed(parse_datetime_to_london_date, text), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1941-06-01T21:59:00Z", date(1941, 6, 1)),  # 23:59 in double summer time
        ("1941-06-01T22:30:00Z", date(1941, 6, 2)),  # 00:30 the next day
        ("1800-01-01T00:00:30Z", date(1799, 12, 31)),  # local mean time, 1m15s behind
        ("2025-06-01T23:30:00Z", date(2025, 6, 2)),
        ("2025-06-01T22:59:59Z", date(2025, 6, 1)),
    ],
)
def test_utc_times_that_change_the_london_date_are_converted(text: str, expected: date) -> None:
    dates = LondonDates()
    day = text[:10]
    assert dates(day) == datetime.fromisoformat(day).date()  # the date alone, remembered first
    assert dates(text) == expected


def test_a_week_of_timestamps_reads_as_their_dates_past_the_limit() -> None:
    dates = LondonDates(limit=100)
    start = datetime(2025, 3, 3)
    for second in range(0, 7 * 86_400, 7):
        moment = start + timedelta(seconds=second)
        assert dates(moment.strftime("%d/%m/%Y %H:%M:%S")) == moment.date()
