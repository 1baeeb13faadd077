"""Reads an XLSX extract as the ingest spec's general rules say, into the CSV reader's `Table`.

`read_xlsx` opens one sheet (`sheet=`, default the first), takes its first non-blank row as
the header, matched as for CSV, and streams the data rows as tuples of strings in
`Table.columns` order, numbered as the sheet numbers them; blank rows are skipped. Cells are
read as their stored values, never recalculated: text as written, a whole number as `3`,
another number as Python's shortest repr (`0.1`, `1e-05`), a boolean as `TRUE`/`FALSE`, an
error as Excel writes it (`#N/A`), a cell formatted as a date as `YYYY-MM-DD`, one formatted
as a date and time as `YYYY-MM-DDTHH:MM:SS` (`YYYY-MM-DD` at midnight), and a time of day as
`HH:MM:SS`; `tabular.parse_date` and `parse_datetime_to_london_date` take what it writes. A
formula with no stored value is a row error in `Table.errors` (the row is skipped).

What the caller answers (`ooxml.py` checks the package):
- `NotWorkbook` (415), with `MacroWorkbook` and `EncryptedWorkbook`: not an XLSX workbook
  (CSV text, .xls, .xlsb, another ZIP, a damaged package), macros, a password.
- `WorkbookTooLarge` (413): it inflates past `max_uncompressed_bytes` (a zip bomb).
- `TooManyRows` (413), while iterating: more than `max_rows` data rows.
- `NoSuchSheet` (422, an `InvalidTable`): no sheet of that name; it names the sheets there are.
- `InvalidTable` (422): no header, a required column missing or repeated, or a sheet whose
  XML breaks while its rows are read (the error names the row reached).
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final

from app.integrations.ooxml import (
    CHUNK,
    MAX_CELL_TEXT,
    UNREADABLE,
    Damaged,
    EncryptedWorkbook,
    MacroWorkbook,
    NotWorkbook,
    Package,
    WorkbookTooLarge,
    describe,
    feed_parser,
    names,
    unescape,
)
from app.integrations.tabular import ErrorList, InvalidTable, RowError, Table, _match_header

__all__ = [
    "FORMULA_WITHOUT_VALUE",
    "EncryptedWorkbook",
    "MacroWorkbook",
    "NoSuchSheet",
    "NotWorkbook",
    "WorkbookTooLarge",
    "read_xlsx",
    "sheet_names",
]

FORMULA_WITHOUT_VALUE: Final = (
    "a formula with no stored value; save the file in Excel or LibreOffice so its values are stored"
)
# Excel's grid.
MAX_ROW: Final = 1_048_576
MAX_COLUMN: Final = 16_384


class NoSuchSheet(InvalidTable):
    """The workbook has no sheet of the name asked for; the message names those it has.
    The caller answers 422 (the `sheet` parameter)."""

    def __init__(self, wanted: str, sheets: Sequence[str]) -> None:
        shown = ", ".join(repr(name[:40]) for name in sheets[:50])
        more = f" and {len(sheets) - 50} more" if len(sheets) > 50 else ""
        super().__init__(
            [RowError(1, None, f"the workbook has no sheet named {wanted[:40]!r}; "
                               f"its sheets: {shown}{more}")]
        )  # fmt: skip
        self.sheet = wanted
        self.sheets = list(sheets)


def sheet_names(path: Path, *, max_uncompressed_bytes: int | None = None) -> list[str]:
    """The workbook's worksheets, in its order (a workforce-staff file's `absence` sheet is
    looked for here). Refuses what `read_xlsx` refuses about the package."""
    package = Package(path, max_uncompressed_bytes)
    try:
        return [name for name, _ in package.sheets]
    finally:
        package.close()


def read_xlsx(
    path: Path,
    *,
    sheet: str | None,
    required: Sequence[str],
    optional: Sequence[str] = (),
    prefixes: Sequence[str] = ("group_",),
    max_rows: int,
    max_uncompressed_bytes: int,
) -> Table:
    """Opens the workbook at `path`, checks it, and matches the header of `sheet` (the first
    sheet when None; a name matches as written, else ignoring case and outer spaces). The
    rows are read as the Table is iterated; use it in a `with` block so the file is closed.

    Raises what the module docstring lists: the refusals here, and while iterating
    TooManyRows and InvalidTable."""
    package = Package(path, max_uncompressed_bytes)
    try:
        part = _find_sheet(package.sheets, sheet)
        try:
            strings = package.shared_strings()
            styles = {str(index): kind for index, kind in package.date_styles().items()}
        except UNREADABLE as error:
            raise NotWorkbook(
                f"the workbook cannot be read: {describe(error)}", detected="damaged"
            ) from None
        handler = _SheetHandler(strings, styles, package.date1904)
        rows = _sheet_rows(package, part, handler)
        header_row, header = _header(rows)
        columns, indexes, ignored = _match_header(
            header, header_row, required=required, optional=optional, prefixes=prefixes
        )
        errors = ErrorList()
        read = dict(zip(indexes, columns, strict=True))
        return Table(
            package.close,
            _records(rows, len(header), read, errors),
            header_row=header_row,
            columns=columns,
            indexes=indexes,
            width=len(header),
            ignored_columns=ignored,
            encoding="xlsx",
            max_rows=max_rows,
            errors=errors,
        )
    except BaseException:
        package.close()
        raise


def _find_sheet(sheets: list[tuple[str, str]], wanted: str | None) -> str:
    if not sheets:
        raise InvalidTable([RowError(1, None, "the workbook has no worksheet")])
    if wanted is None:
        return sheets[0][1]
    for name, part in sheets:
        if name == wanted:
            return part
    folded = wanted.strip().casefold()
    for name, part in sheets:
        if name.strip().casefold() == folded:
            return part
    raise NoSuchSheet(wanted, [name for name, _ in sheets])


# Rows ---------------------------------------------------------------------------------------

Cells = list[tuple[int, str]]  # (column from 1, value) of a row's non-blank cells


class _NoValue(str):
    """The value of a formula with no stored value: blank text, known by identity."""


NO_VALUE: Final = _NoValue("")


def _sheet_rows(package: Package, part: str, handler: "_SheetHandler") -> Iterator[
    tuple[int, Cells]
]:  # fmt: skip
    """The sheet's rows that hold a cell, streamed; a part that breaks is an InvalidTable
    naming the row reached."""
    stream = None
    parser = feed_parser(handler.start, handler.end, handler.text)
    try:
        stream = package.open_part(part)
        while chunk := stream.read(CHUNK):
            parser.feed(chunk)
            if handler.rows:
                done, handler.rows = handler.rows, []
                yield from done
        parser.close()
        yield from handler.rows
    except UNREADABLE as error:
        message = f"the sheet cannot be read from this row on: {describe(error)}"
        raise InvalidTable([RowError(max(handler.row, 1), None, message)]) from None
    finally:
        if stream is not None:
            stream.close()


def _header(rows: Iterator[tuple[int, Cells]]) -> tuple[int, list[str]]:
    """The first row with a non-blank cell: its number and cells, as wide as its last one."""
    for number, cells in rows:
        filled = [(column, value) for column, value in cells if value is NO_VALUE or value.strip()]
        if not filled:
            continue
        header = [""] * max(column for column, _ in filled)
        for column, value in filled:
            if value is NO_VALUE:
                message = f"the header cell in column {letters(column)} is {FORMULA_WITHOUT_VALUE}"
                raise InvalidTable([RowError(number, None, message)])
            header[column - 1] = value
        return number, header
    raise InvalidTable([RowError(1, None, "the sheet has no header row")])


def _records(
    rows: Iterator[tuple[int, Cells]], width: int, read: dict[int, str], errors: ErrorList
) -> Iterator[tuple[int, list[str]]]:
    """Each row as wide as the header, for Table. A formula with no stored value in a column
    read, or a value past the header's last column, is an error and the row is skipped."""
    for number, cells in rows:
        values = [""] * width
        good = True
        for column, value in cells:
            index = column - 1
            if index < width:
                if value is NO_VALUE:
                    name = read.get(index)
                    if name is not None:
                        errors.add(number, name, FORMULA_WITHOUT_VALUE)
                        good = False
                else:
                    values[index] = value
            elif value is not NO_VALUE and value.strip():
                errors.add(
                    number,
                    None,
                    f"the row has a value in column {letters(column)}, past the header's "
                    f"last column {letters(width)}",
                )
                good = False
                break
        if good:
            yield number, values


def letters(column: int) -> str:
    """1 -> A, 27 -> AA."""
    text = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


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


class _SheetHandler:
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
        if kind == "s":
            try:
                return self._strings[int(text)]
            except (ValueError, IndexError):
                raise Damaged("a cell refers to a shared string the workbook lacks") from None
        if kind == "n":
            if not text:
                return ""
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
