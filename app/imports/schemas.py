"""Import resources as the API shows them, and the query parameters of POST /imports."""

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from app.imports.models import ImportKind, ImportStatus
from app.schemas import ReadModel

_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _first_of_month(value: object) -> object:
    """`YYYY-MM`, or a `YYYY-MM-DD` date in the month, as the month's first day."""
    if not isinstance(value, str) or (match := _MONTH.fullmatch(value)) is None:
        raise ValueError("a month must be written YYYY-MM (or as a date in it, YYYY-MM-DD)")
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError:
        raise ValueError("not a month (or day) of the calendar") from None
    return date(int(year), int(month), 1)


# A query parameter naming a month, e.g. `from=2025-04`; stands for the month's first day.
Month = Annotated[
    date,
    BeforeValidator(_first_of_month),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}, mode="validation"),
]


class RowErrorRead(BaseModel):
    row: int = Field(description="The row of the file, counted from 1 = the header row.")
    column: str | None = Field(description="The column, as the spec names it; null: the row.")
    message: str = Field(description="What is wrong (never the cell's value).")


class UnmappedRead(BaseModel):
    """Rows for a team that is not in the collaborative: skipped, never stored."""

    ods_code: str
    team_ref: str
    rows: int


class PeriodsRead(BaseModel):
    first: date
    last: date


class ImportPreview(ReadModel):
    """What an import read and what it stores (or, for a dry run, would store)."""

    kind: ImportKind
    status: ImportStatus
    collaborative_id: uuid.UUID
    survey: str | None
    filename: str | None = Field(description="The client's name for the file (multipart only).")
    media_type: str
    sha256: str = Field(description="The SHA-256 of the file's bytes, in hex.")
    bytes: int
    rows_read: int = Field(description="Data rows read (blank rows are not counted).")
    rows_skipped: int = Field(description="Rows for teams outside the collaborative: dropped.")
    unmapped: list[UnmappedRead] = Field(description="The skipped rows per (ODS code, team_ref).")
    teams: list[uuid.UUID] = Field(description="The teams whose rows the file holds.")
    periods: PeriodsRead | None = Field(description="The first and last period stored.")
    aggregates_written: int = Field(
        description="Aggregate rows stored: workforce team-months; survey team-periods, each's"
        " totals and each group's breakdown."
    )
    cells_suppressed: int = Field(
        description="Aggregates stored but suppressed: too few people to be shown (workforce:"
        " team-months; surveys: question results and scores of the team-periods written, as"
        " stored after the import)."
    )
    points_written: int = Field(
        description="Data points of bound measures created or changed (a point rewritten with"
        " the same values is not counted)."
    )
    typed_points_replaced: int = Field(
        description="Of `points_written`, points a person had typed in for a period the file"
        " now has aggregates for: replaced by the extract's (other periods keep theirs)."
    )
    error_count: int
    errors: list[RowErrorRead] = Field(description="The first 1,000 of `error_count`.")
    warning_count: int
    warnings: list[RowErrorRead] = Field(
        description="Rows stored but worth a look (a workforce month whose headcounts do not"
        " balance); the first 1,000 of `warning_count`."
    )
    ignored_columns: list[str] = Field(description="Columns of the file that were not read.")
    created_by: str = Field(description="Who imported: `user:<id>` or `client:<id>`.")
    created_at: datetime = Field(description="When the import began.")
    finished_at: datetime
    duration_ms: int


class DryRunRead(ImportPreview):
    """A dry run: what the import would store. Nothing is stored, so it has no id."""

    dry_run: bool = True


class ImportRead(ImportPreview):
    """A stored import: one that succeeded, or one that failed on its rows (then its `errors`
    say why, and nothing of the file was stored). It never changes: `version` stays 1."""

    id: uuid.UUID
    version: int
