"""Opening a posted file as a table of the columns a file kind reads: the one place that
chooses the reader by the file's media type, and turns what the readers refuse into answers."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from app.config import Settings
from app.errors import AppError, ContentTooLarge, FieldProblem, InvalidInput, UnsupportedMediaType
from app.integrations.tabular import NotText, Table, TableProblem, TooManyRows, read_csv
from app.integrations.xlsx import (
    NoSuchSheet,
    NotWorkbook,
    WorkbookTooLarge,
    read_xlsx,
    sheet_names,
)

# As app.http.uploads names them (the router takes the file with those; this side of the
# service boundary may not import the HTTP plumbing).
CSV: Final = "text/csv"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a file may be, as a 415 for a file that is not what its media type says lists them.
FILE_TYPES: Final = [CSV, XLSX]
# An XLSX is a ZIP: the most its parts may inflate to, as a multiple of the file size limit
# (ingest spec 3), checked before anything is inflated.
XLSX_INFLATION: Final = 10
# What the readers refuse about a file as a whole, each answered by `refusal`; InvalidTable
# (a bad header) is not among them: the caller records it as a failed import.
REFUSED: Final = (NotText, TooManyRows, NotWorkbook, WorkbookTooLarge)


class PostedFile(Protocol):
    """A file as the upload received it (app.http.uploads.UploadedFile is one); `parts` are
    the further files that came with it, by part name (a workforce-staff file's `absence`)."""

    @property
    def path(self) -> Path: ...
    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def media_type(self) -> str: ...
    @property
    def charset(self) -> str | None: ...
    @property
    def filename(self) -> str | None: ...
    @property
    def parts(self) -> Mapping[str, "PostedFile"]: ...


@dataclass(frozen=True)
class Columns:
    """What a file kind reads: required and optional columns, and prefixed ones (`group_`)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


def open_table(
    upload: PostedFile,
    columns: Columns,
    sheet: str | None,
    settings: Settings,
    *,
    part: str | None = None,
) -> Table:
    """The file as a Table of `columns`, by its media type: for XLSX, the sheet named `sheet`
    (the first when None). Raises InvalidTable (its header is wrong: the caller records a
    failed import), InvalidInput naming `sheet` (no such sheet, or a CSV file), and the
    AppError of `refusal` for a file that cannot be read as a whole (413, 415). `part` names
    the multipart part the file came in, when it is not the main file."""
    if upload.media_type == XLSX:
        try:
            return read_xlsx(
                upload.path,
                sheet=sheet,
                required=columns.required,
                optional=columns.optional,
                prefixes=columns.prefixes,
                max_rows=settings.max_import_rows,
                max_uncompressed_bytes=inflation_limit(settings),
            )
        except NoSuchSheet as missing:
            raise InvalidInput.at(("query", "sheet"), missing.errors[0].message) from None
        except REFUSED as problem:
            raise refusal(problem, part) from None
    if sheet is not None:
        raise InvalidInput.at(("query", "sheet"), "only for an XLSX file; this file is CSV")
    try:
        return read_csv(
            upload.path,
            charset=upload.charset,
            required=columns.required,
            optional=columns.optional,
            prefixes=columns.prefixes,
            max_rows=settings.max_import_rows,
        )
    except REFUSED as problem:
        raise refusal(problem, part) from None


def workbook_sheets(
    upload: PostedFile, settings: Settings, *, part: str | None = None
) -> list[str]:
    """The worksheets of an XLSX file, in its order; refused as `open_table` refuses it."""
    try:
        return sheet_names(upload.path, max_uncompressed_bytes=inflation_limit(settings))
    except REFUSED as problem:
        raise refusal(problem, part) from None


def inflation_limit(settings: Settings) -> int:
    return XLSX_INFLATION * settings.max_import_bytes


def refusal(problem: TableProblem, part: str | None = None) -> AppError:
    """The answer to a file the readers cannot take as a whole (InvalidTable is the caller's:
    it is recorded as a failed import). `part` names the multipart part it came in."""
    if isinstance(problem, TooManyRows):
        return ContentTooLarge(
            f"The file has more than {problem.limit:,} data rows; split it.",
            slug="too-many-rows",
            title="Too many rows",
        )
    if isinstance(problem, WorkbookTooLarge):
        return ContentTooLarge(
            f"The workbook inflates to more than {problem.limit:,} bytes"
            f" ({XLSX_INFLATION} times QI_MAX_IMPORT_BYTES); it was refused before it was"
            " inflated. Send its sheet as CSV, or split it.",
            slug="workbook-too-large",
            title="Workbook too large",
        )
    if isinstance(problem, NotText | NotWorkbook):
        where = ("body",) if part is None else ("body", part)
        named = "file" if part is None else f"`{part}` part"
        return UnsupportedMediaType(
            f"The {named} is not what its media type says: {problem.message}.",
            [FieldProblem(where, problem.message)],
            FILE_TYPES,
        )
    raise TypeError(f"no answer for {type(problem).__name__}")
