"""SpreadsheetML's XML, streamed: the shared strings, a worksheet's rows and cells as their
stored values, and which number formats show dates. Every part goes through defusedxml's expat
reader with DTDs forbidden, so no entity is ever expanded and nothing external is fetched;
`ooxml.py` hands it the parts, `xlsx.py` makes rows of what it reads.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Final, Protocol

from defusedxml.expatreader import DefusedExpatParser

CHUNK: Final = 64 * 1024
# Excel's grid, and its limit on a cell's text.
MAX_ROW: Final = 1_048_576
MAX_COLUMN: Final = 16_384
MAX_CELL_TEXT: Final = 32_767

# Transitional and Strict (ISO 29500) SpreadsheetML; elements are matched by these names.
MAIN_NS: Final = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)


class Damaged(Exception):
    """A part that cannot be read (bad XML, a broken deflate stream, a bad reference). The
    reader maps it: NotWorkbook("damaged") before the rows, InvalidTable while reading them."""


# Number formats ------------------------------------------------------------------------------

# Excel's built-in formats that show dates or times (ECMA-376 18.8.30; 27-36 and 50-58 are
# East Asian dates).
BUILTIN_KINDS: Final = {
    **dict.fromkeys((14, 15, 16, 17, *range(27, 37), *range(50, 59)), "date"),
    **dict.fromkeys((18, 19, 20, 21, 45, 47), "time"),
    22: "datetime",
    46: "elapsed",
}
_LITERALS: Final = re.compile(r'"[^"]*"|\\.|_.|\*.')
_ELAPSED: Final = re.compile(r"\[(h+|m+|s+)\]", re.IGNORECASE)
_BRACKETS: Final = re.compile(r"\[[^\]]*\]")


def format_kind(code: str) -> str | None:
    """ "date", "datetime", "time", "elapsed" ([h]:mm) or None (a number) for a format code,
    from its first section with literal text, colours and locales left out."""
    section = _LITERALS.sub("", code.split(";", 1)[0])
    if _ELAPSED.search(section):
        return "elapsed"
    section = _BRACKETS.sub("", section).lower()
    time = "h" in section or "s" in section
    day = "d" in section or "y" in section or ("m" in section and not time)
    if day and time:
        return "datetime"
    if day:
        return "date"
    return "time" if time else None


# Streaming XML -------------------------------------------------------------------------------


class _Parser(DefusedExpatParser):
    """defusedxml's expat reader (no DTD, entities or external references), with the
    element and text handlers set on expat itself: the SAX layer's per-element objects cost
    more than the parsing. Names come as `namespace local`."""

    def __init__(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        text: Callable[[str], None],
    ) -> None:
        super().__init__(namespaceHandling=1, forbid_dtd=True)
        self._interning: dict[str, str] = {}
        self._handlers = (start, end, text)

    def reset(self) -> None:
        super().reset()
        parser = self._parser  # type: ignore[attr-defined]  # expat, once reset made it
        parser.namespace_prefixes = False
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = (
            self._handlers
        )


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def parse(
    stream: Readable,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> None:
    """Streams a part through the handlers."""
    parser = _Parser(start, end, text)
    while chunk := stream.read(CHUNK):
        parser.feed(chunk)
    parser.close()


def feed_parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> DefusedExpatParser:
    """A parser to feed chunk by chunk (`feed`, then `close`)."""
    return _Parser(start, end, text)


def names(*local: str) -> dict[str, str]:
    """{`namespace local` as expat names it: local} for SpreadsheetML's namespaces."""
    return {f"{namespace} {name}": name for namespace in MAIN_NS for name in local}


_ESCAPE: Final = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Excel writes characters XML cannot hold as `_xHHHH_` (and `_` before one as _x005F_)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


_STRING_NAMES: Final = names("si", "t", "rPh")


class StringsHandler:
    """Each `si`'s text: its `t` runs, phonetic (`rPh`) ones left out."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._parts: list[str] = []
        self._size = 0
        self._collect = False
        self._phonetic = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = _STRING_NAMES.get(name)
        if tag == "t":
            self._collect = not self._phonetic
        elif tag == "si":
            self._parts = []
            self._size = 0
        elif tag == "rPh":
            self._phonetic = True

    def end(self, name: str) -> None:
        tag = _STRING_NAMES.get(name)
        if tag == "t":
            self._collect = False
        elif tag == "si":
            self.strings.append(unescape("".join(self._parts)))
        elif tag == "rPh":
            self._phonetic = False

    def text(self, data: str) -> None:
        if self._collect:
            self._size += len(data)
            if self._size > MAX_CELL_TEXT:
                raise Damaged(f"a shared string is longer than Excel allows ({MAX_CELL_TEXT:,})")
            self._parts.append(data)


# Rows ----------------------------------------------------------------------------------------

Cells = list[tuple[int, str]]  # (column from 1, value) of a row's non-blank cells


class _NoValue(str):
    """The value of a formula with no stored value: blank text, known by identity."""


NO_VALUE: Final = _NoValue("")


_COLUMNS: dict[str, int] = {}


def _column(code: str) -> int:
    """The column of a cell reference's letters (`AB` of `AB12` -> 28), remembered."""
    if not code or len(code) > 3 or not code.isascii() or not code.isalpha():
        raise Damaged("a cell has a reference that is not a column and row")
    column = 0
    for char in code.upper():
        column = column * 26 + ord(char) - 64
    if column > MAX_COLUMN:
        raise Damaged("a cell lies past Excel's last column")
    _COLUMNS[code] = column
    return column


_SHEET_NAMES: Final = names("row", "c", "v", "f", "is", "t", "rPh")


class SheetHandler:
    """Expat's handlers for a worksheet: each `row` becomes (number, its non-blank cells) in
    `rows`, which the reader empties after each chunk."""

    def __init__(self, strings: list[str], styles: dict[str, str], date1904: bool) -> None:
        self.rows: list[tuple[int, Cells]] = []
        self.row = 0  # the row being read, or the last one
        self._strings = strings
        self._styles = styles
        self._date1904 = date1904
        self._cells: Cells = []
        self._column = 0
        self._type = "n"
        self._style: str | None = None
        self._formula = self._value = self._collect = self._inline = self._phonetic = False
        self._parts: list[str] = []
        self._size = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = _SHEET_NAMES.get(name)
        if tag == "c":
            reference = attributes.get("r")
            if reference:
                code = reference.rstrip("0123456789")
                self._column = _COLUMNS.get(code) or _column(code)
            else:
                self._column += 1
            if self._column > MAX_COLUMN:
                raise Damaged("a row has more cells than Excel allows")
            self._type = attributes.get("t", "n")
            self._style = attributes.get("s")
            self._formula = self._value = self._inline = False
            self._parts = []
            self._size = 0
        elif tag == "v":
            self._value = self._collect = True
        elif tag == "f":
            self._formula = True
        elif tag == "row":
            number = attributes.get("r")
            self.row = int(number) if number else self.row + 1
            if not 0 < self.row <= MAX_ROW:
                raise Damaged("a row lies outside Excel's grid")
            self._cells = []
            self._column = 0
        elif tag == "t":
            self._collect = self._inline and not self._phonetic
        elif tag == "is":
            self._inline = True
        elif tag == "rPh":
            self._phonetic = True

    def end(self, name: str) -> None:
        tag = _SHEET_NAMES.get(name)
        if tag == "c":
            value = self._cell()
            if value:
                self._cells.append((self._column, value))
            elif value is NO_VALUE:
                self._cells.append((self._column, NO_VALUE))
        elif tag in ("v", "t"):
            self._collect = False
        elif tag == "row":
            if self._cells:
                self.rows.append((self.row, self._cells))
        elif tag == "rPh":
            self._phonetic = False

    def text(self, data: str) -> None:
        if self._collect:
            self._size += len(data)
            if self._size > MAX_CELL_TEXT:
                raise Damaged(f"a cell is longer than Excel allows ({MAX_CELL_TEXT:,})")
            self._parts.append(data)

    def _cell(self) -> str:
        kind = self._type
        text = "".join(self._parts)
        # No value, or an empty one where only a string may be empty (openpyxl writes <v/>).
        if self._formula and not self._inline and (not self._value or (not text and kind != "str")):
            return NO_VALUE
        if not text:
            return ""
        if kind == "s":
            try:
                return self._strings[int(text)]
            except (ValueError, IndexError):
                raise Damaged("a cell refers to a shared string the workbook lacks") from None
        if kind == "n":
            style = self._style
            if style is not None and style in self._styles:
                return _serial(text, self._styles[style], self._date1904)
            return _number(text)
        if kind in ("str", "inlineStr"):
            return unescape(text)
        if kind == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(text.strip(), text)
        if kind == "d":
            return _iso(text)
        return text  # "e": an error, as Excel writes it (#N/A, #DIV/0!)


# Cells --------------------------------------------------------------------------------------

EPOCH_1900: Final = date(1899, 12, 30)
EPOCH_1904: Final = date(1904, 1, 1)
SECONDS_A_DAY: Final = 86_400


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _serial(text: str, kind: str, date1904: bool) -> str:
    """A cell formatted as a date or a time: Excel stores days since its epoch."""
    try:
        value = float(text)
    except ValueError:
        return text
    if kind == "elapsed" or not 0 <= value < 3_000_000:
        return _number(text)
    days, moment = divmod(round(value * SECONDS_A_DAY), SECONDS_A_DAY)
    clock = f"{moment // 3600:02d}:{moment // 60 % 60:02d}:{moment % 60:02d}"
    if kind == "time":
        return clock
    # 1900 dates: Excel counts 29 February 1900, which never was, as day 60.
    if date1904:
        start = EPOCH_1904
    elif days > 60:
        start = EPOCH_1900
    elif 0 < days < 60:
        start = EPOCH_1900 + timedelta(days=1)
    else:
        return _number(text)
    try:
        day = start + timedelta(days=days)
    except OverflowError:
        return _number(text)
    if kind == "date" or moment == 0:
        return day.isoformat()
    return f"{day.isoformat()}T{clock}"


def _iso(text: str) -> str:
    """A `t="d"` cell (an ISO 8601 date or time, which few writers use)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is None and moment.time() == time():
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")
