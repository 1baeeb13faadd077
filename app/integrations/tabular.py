"""Reads a CSV extract as the ingest spec's general rules say, streaming, and reports its rows'
errors.

`read_csv` finds the encoding (UTF-8 with or without BOM, else Windows-1252, or the declared
charset), matches the header, and yields the data rows lazily as tuples of trimmed strings in
`Table.columns` order, so a file of a million rows is read in constant memory. Row numbers are
the records' positions in the file, as a spreadsheet shows them: the header is row 1 when it is
the first record, and blank rows, skipped, still take their place in the count. `cells.py`
parses the cells.

Formula injection (reliability-security 2.7) is an export concern: cells are read as written,
never altered here; whatever writes them back out to CSV or XLSX has to defang them.
"""

import codecs
import csv
import heapq
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter, itemgetter
from pathlib import Path
from types import TracebackType
from typing import IO, Final, Self

MAX_ERRORS: Final = 1_000
# A header wider than this is not a survey or workforce extract.
MAX_COLUMNS: Final = 1_000
# The first pass reads the file in chunks of this size: the most of it in memory at once.
CHUNK: Final = 256 * 1024
UTF8_BOM: Final = codecs.BOM_UTF8
# Local file headers, the empty archive and a spanned one: an XLSX (or any ZIP) sent as CSV.
ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# Windows-1252 as Windows and browsers decode it (the WHATWG table): bytes 0x80-0x9F are the
# typographic characters, and the five that code nothing (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay
# the control characters of the same number, where Python's cp1252 would refuse the file. Read
# as Latin-1 (every byte is its own code point), then this table moves 0x80-0x9F.
_CP1252: Final = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252_TABLE: Final = str.maketrans({chr(code): text for code, text in _CP1252.items()})


# Errors -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in the file: its row (1 = the header), column (None: the whole row) and
    what is wrong. The message never quotes a cell's value: the file may hold personal data."""

    row: int
    column: str | None
    message: str


@dataclass
class ErrorList:
    """Every error counted, the first `limit` kept: the 422 body's `errors` and `error_count`."""

    limit: int = MAX_ERRORS
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, row: int, column: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.limit:
            self.errors.append(RowError(row, column, message))

    def __bool__(self) -> bool:
        return self.error_count > 0

    def add_found_later(self, first: Sequence[RowError], count: int) -> None:
        """Adds errors found after every row was read (`count` of them, `first` the earliest
        `limit` in row order), as though each had been added when its row was read, before
        that row's others: the errors kept are the same as in one pass. Needs the errors
        added so far to be in row order, as a reader adds them."""
        # heapq.merge is stable: on a tie, `first` (the earlier iterable) comes first.
        merged = heapq.merge(first, self.errors, key=attrgetter("row"))
        self.errors = list(islice(merged, self.limit))
        self.error_count += count


class TableProblem(Exception):
    """The file as a whole cannot be read; each subclass is one answer for the caller."""


class NotText(TableProblem):
    """The bytes are not CSV text: a ZIP (an XLSX sent as CSV), binary data (NUL bytes), or
    bytes that are not in the declared charset. The caller answers 415."""

    def __init__(self, message: str, *, detected: str) -> None:
        super().__init__(message)
        self.message = message
        self.detected = detected  # "zip", "binary" or "charset"


class TooManyRows(TableProblem):
    """More data rows than the limit; reading stopped at the first one over. The caller
    answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file has more than {limit:,} data rows")
        self.limit = limit


class InvalidTable(TableProblem):
    """The header (or the CSV syntax) is wrong, so no row can be read. The caller answers 422
    with these errors."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


# Reading ------------------------------------------------------------------------------------


Row = tuple[int, tuple[str, ...]]  # (row number, trimmed cells in Table.columns order)


def detect_encoding(path: Path, charset: str | None) -> str:
    """The codec to read the file with: the declared charset (utf-8 read as utf-8-sig, so a
    BOM is dropped), else utf-8-sig when every byte is valid UTF-8, else cp1252.

    One pass over the file in chunks, deciding before any row is read, so a file whose UTF-8
    breaks late is not half read in one encoding; it costs about a tenth of a csv.reader pass.
    It refuses a ZIP and NUL bytes (binary data, or UTF-16, which is not taken) as NotText."""
    declared = None
    if charset is not None:
        try:
            declared = codecs.lookup(charset).name
        except LookupError:
            raise NotText(f"unknown charset {charset[:40]!r}", detected="charset") from None
    decoder = codecs.getincrementaldecoder(declared or "utf-8")()
    # Declared Windows-1252 is read as the WHATWG table says, which takes every byte.
    valid = True
    check = declared != "cp1252"
    with path.open("rb") as file:
        first = True
        while chunk := file.read(CHUNK):
            if first and chunk.startswith(ZIP_MAGIC):
                raise NotText(
                    "the file is a ZIP archive (an XLSX workbook?), not CSV text", detected="zip"
                )
            first = False
            if b"\0" in chunk:
                raise NotText(
                    "the file holds binary data (NUL bytes), not CSV text", detected="binary"
                )
            if check and valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
        if check and valid:
            try:
                decoder.decode(b"", True)
            except UnicodeDecodeError:
                valid = False
    if declared is not None:
        if not valid:
            raise NotText(f"the file is not valid {declared} text", detected="charset")
        return "utf-8-sig" if declared in ("utf-8", "utf-8-sig") else declared
    return "utf-8-sig" if valid else "cp1252"


def _open_text(path: Path, encoding: str) -> tuple[IO[str], Iterator[str]]:
    """The text file (to close) and its lines, decoded; cp1252 as _CP1252_TABLE says."""
    raw = path.open("rb")
    if encoding != "cp1252":
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        return text, iter(text)
    # Bytes that are not UTF-8 after a UTF-8 BOM: the BOM is still not data.
    if raw.read(len(UTF8_BOM)) != UTF8_BOM:
        raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
    return text, (line.translate(_CP1252_TABLE) for line in text)


def _picker(indexes: Sequence[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """Takes the cells at `indexes` as one tuple, untrimmed (itemgetter, in C)."""
    if len(indexes) == 1:
        (only,) = indexes
        return lambda cells: (cells[only],)
    return itemgetter(*indexes)


class Table:
    """An open extract, CSV (`read_csv`) or XLSX (`xlsx.read_xlsx`): its header matched, its
    rows read on iteration (once).

    `columns` are the columns read, named as the caller spelled them (a prefixed column by its
    trimmed, lower-cased header), in the file's order; `ignored_columns` the other header
    names as written. Row problems the reader finds (a value past the header's last column)
    go to `errors`, which the caller adds its own to; `rows_read` counts the data rows so far.
    `encoding` is the codec a CSV was read with, or "xlsx" for a workbook.

    The reader gives it `records`, each a row's number and its cells (a list it may extend),
    and `close`, which releases the file (`closed` says it has run).
    """

    def __init__(
        self,
        close: Callable[[], None],
        records: Iterator[tuple[int, list[str]]],
        *,
        header_row: int,
        columns: tuple[str, ...],
        indexes: tuple[int, ...],
        width: int,
        ignored_columns: tuple[str, ...],
        encoding: str,
        max_rows: int,
        errors: ErrorList | None = None,
    ) -> None:
        self._close = close
        self._records = records
        self._header_row = header_row
        self._indexes = indexes
        self._width = width
        self._max_rows = max_rows
        self.columns = columns
        self.ignored_columns = ignored_columns
        self.encoding = encoding
        self.errors = ErrorList() if errors is None else errors
        self.rows_read = 0
        self.closed = False
        self._started = False

    def index(self, column: str) -> int | None:
        """Where `column` is in each row's tuple, or None when the file does not have it."""
        try:
            return self.columns.index(column)
        except ValueError:
            return None

    def __iter__(self) -> Iterator[Row]:
        if self._started:
            raise RuntimeError("a Table's rows are read once")
        self._started = True
        return self._rows()

    def _rows(self) -> Iterator[Row]:
        # The hot loop: locals only, the counting in C (enumerate, itemgetter, map).
        pick = _picker(self._indexes)
        width, limit, errors = self._width, self._max_rows, self.errors
        strip = str.strip
        number = self._header_row
        read = 0
        try:
            for number, cells in self._records:
                if not any(cells):  # an empty line, or a row of empty cells
                    continue
                count = len(cells)
                if count != width:
                    if count < width:  # short rows: the missing cells are blank
                        cells.extend([""] * (width - count))
                    elif any(map(strip, cells[width:])):
                        errors.add(number, None, f"the row has {count} cells, the header {width}")
                        continue
                values = tuple(map(strip, pick(cells)))
                if not any(values) and not any(map(strip, cells)):
                    continue  # every cell blank once trimmed
                read += 1
                if read > limit:
                    read -= 1
                    raise TooManyRows(limit)
                self.rows_read = read
                yield number, values
        except csv.Error as error:
            raise InvalidTable([RowError(number + 1, None, f"unreadable CSV: {error}")]) from None
        finally:
            self.close()

    def close(self) -> None:
        self.closed = True
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_csv(
    path: Path,
    *,
    charset: str | None,
    required: Sequence[str],
    optional: Sequence[str] = (),
    prefixes: Sequence[str] = ("group_",),
    max_rows: int,
) -> Table:
    """Opens the CSV at `path` and matches its header; the rows are read as the Table is
    iterated. Use it in a `with` block, so the file is closed if the rows are not all read.

    Raises NotText (415), InvalidTable (422: a required column missing, a column read twice,
    no header), and, while iterating, TooManyRows (413) and InvalidTable (CSV syntax)."""
    encoding = detect_encoding(path, charset)
    file, lines = _open_text(path, encoding)
    try:
        records = csv.reader(lines)
        header_row = 0
        header: list[str] = []
        try:
            for header in records:
                header_row += 1
                if any(cell.strip() for cell in header):
                    break
            else:
                raise InvalidTable([RowError(1, None, "the file has no header row")])
        except csv.Error as error:
            raise InvalidTable(
                [RowError(header_row + 1, None, f"unreadable CSV: {error}")]
            ) from None
        table = _match_header(
            header, header_row, required=required, optional=optional, prefixes=prefixes
        )
        columns, indexes, ignored = table
        return Table(
            file.close,
            enumerate(records, header_row + 1),
            header_row=header_row,
            columns=columns,
            indexes=indexes,
            width=len(header),
            ignored_columns=ignored,
            encoding=encoding,
            max_rows=max_rows,
        )
    except BaseException:
        file.close()
        raise


def _match_header(
    header: list[str],
    row: int,
    *,
    required: Sequence[str],
    optional: Sequence[str],
    prefixes: Sequence[str],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]:
    """(columns read, their indexes, ignored names): names match trimmed and case-insensitively;
    a column named twice is an error when it is one the caller reads, ignored otherwise."""
    if len(header) > MAX_COLUMNS:
        raise InvalidTable([RowError(row, None, f"the header has more than {MAX_COLUMNS} columns")])
    known = {name.strip().lower(): name for name in (*required, *optional)}
    lowered = tuple(prefix.lower() for prefix in prefixes)
    columns: list[str] = []
    indexes: list[int] = []
    ignored: list[str] = []
    problems: list[RowError] = []
    for index, cell in enumerate(header):
        written = cell.strip()
        if index == 0:
            written = written.lstrip("\ufeff").strip()
        key = written.lower()
        name = known.get(key) or (key if key.startswith(lowered) and key not in lowered else None)
        if name is None:
            if written and written not in ignored:
                ignored.append(written)
        elif name in columns:
            problems.append(RowError(row, name, f"the column {name} appears more than once"))
        else:
            columns.append(name)
            indexes.append(index)
    for name in required:
        if name not in columns:
            problems.append(RowError(row, name, f"the required column {name} is missing"))
    if problems:
        raise InvalidTable(problems)
    return tuple(columns), tuple(indexes), tuple(ignored)
