"""Opening a posted file as a table of the columns a file kind reads: the one place that
chooses the reader by the file's media type, and turns what the readers refuse into answers."""

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from app.config import Settings
from app.errors import AppError, ContentTooLarge, FieldProblem, InvalidInput, UnsupportedMediaType
from app.integrations.tabular import NotText, Table, TableProblem, TooManyRows, read_csv

# As app.http.uploads names them (the router takes the file with those; this side of the
# service boundary may not import the HTTP plumbing).
CSV: Final = "text/csv"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An XLSX is a ZIP: the most its parts may inflate to, as a multiple of the file size limit
# (ingest spec 3), checked before anything is inflated.
XLSX_INFLATION: Final = 10


class PostedFile(Protocol):
    """A file as the upload received it (app.http.uploads.UploadedFile is one)."""

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


@dataclass(frozen=True)
class Columns:
    """What a file kind reads: required and optional columns, and prefixed ones (`group_`)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


def open_table(
    upload: PostedFile, columns: Columns, sheet: str | None, settings: Settings
) -> Table:
    """The file as a Table of `columns`, by its media type. Raises InvalidTable (its header is
    wrong: the caller records a failed import) and the AppError of `refusal` for a file that
    is not what its media type says (415)."""
    if upload.media_type == XLSX:
        # app.integrations.xlsx is being written: wiring it is this one call, in place of the
        # refusal below.
        # return read_xlsx(upload.path, sheet=sheet, required=columns.required,
        #     optional=columns.optional, prefixes=columns.prefixes,
        #     max_rows=settings.max_import_rows,
        #     max_uncompressed_bytes=XLSX_INFLATION * settings.max_import_bytes)
        raise UnsupportedMediaType(
            "XLSX files cannot be imported yet: send the sheet as CSV (text/csv).",
            [FieldProblem(("header", "content-type"), "XLSX is not supported yet; send CSV")],
            [CSV],
        )
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
    except (NotText, TooManyRows) as problem:
        raise refusal(problem) from None


def refusal(problem: TableProblem) -> AppError:
    """The answer to a file the readers cannot take as a whole (InvalidTable is the caller's:
    it is recorded as a failed import)."""
    if isinstance(problem, TooManyRows):
        return ContentTooLarge(
            f"The file has more than {problem.limit:,} data rows; split it.",
            slug="too-many-rows",
            title="Too many rows",
        )
    if isinstance(problem, NotText):
        return UnsupportedMediaType(
            f"The file is not what its media type says: {problem.message}.",
            [FieldProblem(("body",), problem.message)],
            [CSV],
        )
    raise TypeError(f"no answer for {type(problem).__name__}")
