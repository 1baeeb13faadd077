"""Dates of a file's datetime column parsed once per date, not once per timestamp."""

import re
from datetime import date
from typing import Final

from app.integrations.cells import CellError, parse_datetime_to_london_date

# A time of day after a date: HH:MM[:SS], and Z (UTC) on an ISO date.
_CLOCK: Final = re.compile(r"(\d\d):(\d\d)(?::(\d\d))?(Z?)", re.ASCII)
_NOT_A_CLOCK, _LOCAL, _UTC = 0, 1, 2


class LondonDates:
    """`parse_datetime_to_london_date` for one column of one file, remembered: the same dates,
    and the same CellError, per text.

    A date and a time of day (`YYYY-MM-DD` or `DD/MM/YYYY`, `T` or a space, `HH:MM[:SS]`)
    has the date's own London date, so it is answered from the date alone once the time is
    known to be one; so is an ISO one in UTC (`Z`) from 01:00 to 21:59, which no London
    offset (-0:01 LMT before 1847 to +2 in the war's double summer time) moves to another
    day. A file of timestamps then parses each date once, not each second. At most `limit`
    texts, dates and times are remembered: the rest is parsed each time."""

    def __init__(self, limit: int = 8_192) -> None:
        self._limit = limit
        self._known: dict[str, date | str] = {}  # text -> its date, or the error's message
        self._clocks: dict[str, int] = {}

    def __call__(self, text: str) -> date | None:
        if not text:
            return None
        found = self._known.get(text) or self._find(text)
        if isinstance(found, str):
            raise CellError(found)
        return found

    def _find(self, text: str) -> date | str:
        if len(text) > 10 and text[10] in "T ":
            clock = self._clock(text[11:])
            if clock == _LOCAL or (clock == _UTC and text[4] == "-"):
                day = self._known.get(text[:10]) or self._find(text[:10])
                if isinstance(day, date):
                    return day
        try:
            found: date | str | None = parse_datetime_to_london_date(text)
        except CellError as error:
            found = error.message
        assert found is not None  # only a blank text has no date
        if len(self._known) < self._limit:
            self._known[text] = found
        return found

    def _clock(self, text: str) -> int:
        kind = self._clocks.get(text)
        if kind is None:
            match = _CLOCK.fullmatch(text)
            kind = _NOT_A_CLOCK
            if match is not None:
                hour, minute, second, utc = match.groups()
                if int(hour) <= 23 and int(minute) <= 59 and int(second or 0) <= 59:
                    kind = (_UTC if 1 <= int(hour) < 22 else _NOT_A_CLOCK) if utc else _LOCAL
            if len(self._clocks) < self._limit:
                self._clocks[text] = kind
        return kind
