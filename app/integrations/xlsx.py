"""Reads an XLSX extract as the ingest spec's general rules say, into the CSV reader's `Table`.

`read_xlsx` opens one sheet (`sheet=`, default the first), takes its first non-blank row as
the header, matched as for CSV, and streams the data rows as tuples of strings in
`Table.columns` order, numbered as the sheet numbers them; blank rows are skipped. Cells are
read as their stored values, never recalculated: text as written, a whole number as `3`,
another number as Python's shortest repr (`0.1`, `1e-05`), a boolean as `TRUE`/`FALSE`, an
error as Excel writes it (`#N/A`), a cell formatted as a date as `YYYY-MM-DD`, one formatted
as a date and time as `YYYY-MM-DDTHH:MM:SS` (`YYYY-MM-DD` at midnight), and a time of day as
`HH:MM:SS`; `cells.parse_date` and `parse_datetime_to_london_date` take what it writes. A
formula with no stored value is a row error in `Table.errors` (the row is skipped).

What the caller answers (`ooxml.py` checks the package):
- `NotWorkbook` (415), with `MacroWorkbook` and `EncryptedWorkbook`: not an XLSX workbook
  (CSV text, .xls, .xlsb, another ZIP, a damaged package), macros, a password.
- `WorkbookTooLarge` (413): it inflates past `max_uncompressed_bytes` (a zip bomb).
- `TooManyRows` (413), while iterating: more than `max_rows` data rows.
- `NoSuchSheet` (422, an `InvalidTable`): no sheet of that name; it names the sheets there are.
- `InvalidTable` (422): no header, a required column missing or repeated, or a sheet whose
  XML breaks while its rows are read (the error names the row reached).

Why not openpyxl or python-calamine for the rows (benchmarks/xlsx_bench.py measures them):
neither tells a formula with no stored value from an empty cell; openpyxl's read-only sheets
read about a third as many rows a second and keep a dict for every row that has attributes
(LibreOffice writes them on every row); python-calamine is fast but loads the whole sheet
(about 1.1 KiB a row of 16 columns), and a 2 KB workbook with cells at A1 and XFD1048576 makes
it allocate 512 GiB and abort the process. openpyxl writes the tests' workbooks.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from app.integrations.ooxml import (
    UNREADABLE,
    EncryptedWorkbook,
    MacroWorkbook,
    NotWorkbook,
    Package,
    WorkbookTooLarge,
    describe,
)
from app.integrations.spreadsheetml import CHUNK, NO_VALUE, Cells, SheetHandler, feed_parser
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
        handler = SheetHandler(strings, styles, package.date1904)
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


def _sheet_rows(package: Package, part: str, handler: "SheetHandler") -> Iterator[
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
