"""The `workforce-monthly` file kind (ingest spec 3.3): one row per team and month, validated
and placed in its team, ready to replace the stored months it covers.

Pure: the reader takes an open `Table` (CSV, or XLSX once that reader exists) and a
`TeamDirectory`, and gives back each kept row's `MonthlyFigures` with the import's counts. Every
row is checked, also one for a team outside the collaborative (it is skipped, not stored, but
a file with a bad row is refused as a whole). `check_monthly`'s errors are row errors; its
warning (headcounts that do not balance) is reported and the row is still kept.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Generic, TypeVar

from app.integrations.directory import Placements, TeamDirectory
from app.integrations.tabular import (
    CellError,
    ErrorList,
    Table,
    parse_month,
    parse_number,
    parse_whole,
)
from app.workforce.aggregation import MonthlyFigures, Severity, check_monthly

TeamT = TypeVar("TeamT", bound=Hashable)
T = TypeVar("T")

KIND: Final = "workforce-monthly"
# Whole counts of people, and FTE or days (numbers), as the spec's table names them.
REQUIRED_COUNTS: Final = ("headcount_start", "headcount_end", "starters", "leavers")
OPTIONAL_COUNTS: Final = ("stable_headcount_12m",)
OPTIONAL_AMOUNTS: Final = (
    "fte_start",
    "fte_end",
    "leavers_fte",
    "sickness_fte_days_lost",
    "fte_days_available",
    "establishment_fte",
    "vacancies_fte",
)
REQUIRED: Final = ("ods_code", "team_ref", "month", *REQUIRED_COUNTS)
OPTIONAL: Final = (*OPTIONAL_AMOUNTS, *OPTIONAL_COUNTS)


@dataclass(frozen=True, kw_only=True)
class MonthlyExtract(Generic[TeamT]):
    """What a workforce-monthly file holds (the counts have the names of the import resource,
    ingest spec 2). `months` are the rows to store, keyed by (team, first day of the month), in
    file order; `unmapped` counts the rows skipped per (ODS code, team_ref) as first written;
    `forbidden` lists the rows the caller may not send (the 403), `errors` the bad rows (the
    422), `warnings` the kept rows whose headcounts do not balance; `periods` are the first and
    last month kept (None when nothing is kept)."""

    rows_read: int
    rows_skipped: int
    unmapped: Mapping[tuple[str, str], int]
    forbidden: ErrorList
    errors: ErrorList
    warnings: ErrorList
    ignored_columns: tuple[str, ...]
    periods: tuple[date, date] | None
    teams: frozenset[TeamT]
    months: Mapping[tuple[TeamT, date], MonthlyFigures]


class _Row:
    """One row's cells read by column name; each cell that is missing or does not parse adds
    an error and marks the row bad, so a row with three bad cells names all three."""

    def __init__(
        self, indexes: Mapping[str, int | None], row: int, cells: Sequence[str], errors: ErrorList
    ) -> None:
        self.indexes = indexes
        self.row = row
        self.cells = cells
        self.errors = errors
        self.bad = False

    def text(self, column: str) -> str:
        index = self.indexes[column]
        return "" if index is None else self.cells[index]

    def parsed(self, column: str, parse: Callable[[str], T | None], *, required: bool) -> T | None:
        try:
            value = parse(self.text(column))
        except CellError as error:
            self.errors.add(self.row, column, error.message)
            self.bad = True
            return None
        if value is None and required:
            self.errors.add(self.row, column, f"{column} is required")
            self.bad = True
        return value

    def figures(self) -> MonthlyFigures | None:
        """The row's figures, or None when any of their cells is bad."""
        month = self.parsed("month", parse_month, required=True)
        counts = {
            column: self.parsed(column, parse_whole, required=column in REQUIRED_COUNTS)
            for column in (*REQUIRED_COUNTS, *OPTIONAL_COUNTS)
        }
        amounts = {
            column: self.parsed(column, parse_number, required=False) for column in OPTIONAL_AMOUNTS
        }
        if self.bad or month is None:
            return None
        # A good row has every required count, so none of those is None here.
        return MonthlyFigures(month=month, **counts, **amounts)  # type: ignore[arg-type]


def read_workforce_monthly(table: Table, directory: TeamDirectory[TeamT]) -> MonthlyExtract[TeamT]:
    """Reads every row of `table` (opened with REQUIRED and OPTIONAL): its cells parsed (whole
    counts, numbers with `.`, `month` any date in the month or `YYYY-MM`, UK dates day first),
    its team placed, `check_monthly` applied. A second row for a team's month is an error on
    the later row. Raises what iterating the table raises (TooManyRows, InvalidTable)."""
    errors = table.errors
    warnings = ErrorList()
    placements: Placements[TeamT] = Placements()
    indexes = {name: table.index(name) for name in (*REQUIRED, *OPTIONAL)}
    months: dict[tuple[TeamT, date], MonthlyFigures] = {}
    first_rows: dict[tuple[TeamT, date], int] = {}
    for row, cells in table:
        line = _Row(indexes, row, cells, errors)
        ods_code, team_ref = line.text("ods_code"), line.text("team_ref")
        team: TeamT | None = None
        if not ods_code:
            errors.add(row, "ods_code", "ods_code is required")
        if not team_ref:
            errors.add(row, "team_ref", "team_ref is required")
        if ods_code and team_ref:
            team = placements.team(directory, row, ods_code, team_ref, errors)
        figures = line.figures()
        if figures is None:
            continue
        problems = check_monthly(figures, row)
        if any(problem.severity is Severity.ERROR for problem in problems):
            for problem in problems:
                errors.add(row, problem.column, problem.message)
            continue
        if team is None:
            continue  # skipped (or refused): nothing of it is kept, not even a warning
        key = (team, figures.month)
        earlier = first_rows.get(key)
        if earlier is not None:
            errors.add(row, "month", f"row {earlier} already gives this team's month")
            continue
        first_rows[key] = row
        months[key] = figures
        for problem in problems:
            warnings.add(row, problem.column, problem.message)
    kept = [month for _, month in months]
    return MonthlyExtract(
        rows_read=table.rows_read,
        rows_skipped=placements.rows_skipped,
        unmapped=dict(placements.unmapped),
        forbidden=placements.forbidden,
        errors=errors,
        warnings=warnings,
        ignored_columns=table.ignored_columns,
        periods=(min(kept), max(kept)) if kept else None,
        teams=frozenset(team for team, _ in months),
        months=months,
    )
