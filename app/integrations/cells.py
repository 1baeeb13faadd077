"""Parses the cells of an extract's rows (trimmed text from a CSV or an XLSX `Table`): UK and
ISO dates, MS Forms datetimes cut to the London date, months, numbers and whole counts. Each
parser returns None for a blank cell and raises `CellError` (whose message never repeats the
value) for a cell that does not parse."""

import math
import re
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

LONDON: Final = ZoneInfo("Europe/London")


class CellError(ValueError):
    """A cell that does not parse; the message says what was expected, never the value."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_UK_DATE: Final = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_ISO_MONTH: Final = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_UK_DATETIME: Final = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
# What datetime.fromisoformat takes, narrowed to calendar dates with a time: 3.11's parser
# would also take week dates and a bare date, which are not what the spec means.
_ISO_DATETIME: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}(:?\d{2}(:?\d{2}([.,]\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?",
    re.ASCII,
)
_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_WHOLE: Final = re.compile(r"\+?(\d+)(\.0*)?", re.ASCII)
# Counts fit a signed 64-bit column.
MAX_WHOLE: Final = 2**63 - 1
DATE_FORMATS: Final = "a date as YYYY-MM-DD or DD/MM/YYYY"


def _calendar(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError("not a day of the calendar") from None


def _iso_date(text: str) -> date | None:
    """`YYYY-MM-DD` exactly (its day checked), else None: the common case, without a regex."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        year, month, day = text[:4], text[5:7], text[8:]
        # On ASCII text isdigit is 0-9 only: no sign, space or underscore that int() takes.
        if year.isdigit() and month.isdigit() and day.isdigit():
            return _calendar(year, month, day)
    return None


def parse_date(text: str) -> date | None:
    """`YYYY-MM-DD` or `DD/MM/YYYY` (day first, always: 03/04/2025 is 3 April); blank: None."""
    if not text:
        return None
    iso = _iso_date(text)
    if iso is not None:
        return iso
    match = _UK_DATE.fullmatch(text)
    if match is not None:
        day, month, year = match.groups()
        return _calendar(year, month, day)
    raise CellError(f"expected {DATE_FORMATS}")


def parse_datetime_to_london_date(text: str) -> date | None:
    """The Europe/London date of a date or datetime; blank: None.

    Takes a date as parse_date does, an ISO 8601 datetime, or `DD/MM/YYYY HH:MM[:SS]` as MS
    Forms writes it. Without an offset the time is London's, so the date is as written; with
    one (`Z`, `+01:00`) the instant is moved to London first."""
    if not text:
        return None
    if len(text) > 10 and text[10] in "T " and _ISO_DATETIME.fullmatch(text) is not None:
        try:
            moment = datetime.fromisoformat(text.replace(",", ".") if "," in text else text)
        except ValueError:
            raise CellError("not a time of the calendar") from None
        if moment.tzinfo is None:
            return moment.date()
        return moment.astimezone(LONDON).date()
    match = _UK_DATETIME.fullmatch(text) if len(text) > 10 else None
    if match is not None:
        day, month, year, hour, minute, second = match.groups()
        when = _calendar(year, month, day)
        if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
            raise CellError("not a time of the day")
        return when
    try:
        return parse_date(text)
    except CellError as error:
        if error.message != f"expected {DATE_FORMATS}":
            raise
        raise CellError(
            f"expected {DATE_FORMATS}, an ISO 8601 datetime or DD/MM/YYYY HH:MM[:SS]"
        ) from None


def parse_month(text: str) -> date | None:
    """The first day of the month of `YYYY-MM` or of any date in it; blank: None."""
    if not text:
        return None
    match = _ISO_MONTH.fullmatch(text)
    if match is not None:
        year, month = match.groups()
        return _calendar(year, month, "1")
    try:
        day = parse_date(text)
    except CellError:
        raise CellError("expected a month as YYYY-MM, or a date in it") from None
    return None if day is None else day.replace(day=1)


def parse_number(text: str) -> float | None:
    """A finite number with `.` for the decimal point and no thousands separators; blank:
    None. Not nan, inf, `1,000`, `1 000` or `1_000` (which float() would take)."""
    if not text:
        return None
    if _NUMBER.fullmatch(text) is None:
        raise CellError("expected a number with '.' for the decimal point and no separators")
    value = float(text)
    if not math.isfinite(value):
        raise CellError("the number is too large")
    return value


def parse_whole(text: str) -> int | None:
    """A whole number >= 0 (`12` or `12.0`); blank: None."""
    if not text:
        return None
    match = _WHOLE.fullmatch(text)
    if match is None:
        if _NUMBER.fullmatch(text) is not None:
            if text.startswith("-"):
                raise CellError("expected a whole number >= 0, not a negative one")
            raise CellError("expected a whole number, not a fraction")
        raise CellError("expected a whole number >= 0")
    digits = match.group(1)
    if len(digits) > 19 or int(digits) > MAX_WHOLE:
        raise CellError("the number is too large")
    return int(digits)
