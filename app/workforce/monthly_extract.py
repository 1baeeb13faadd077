"""The `workforce-monthly` file kind (ingest spec 3.3): one row per team and month, validated
and placed in its team, ready to replace the stored months it covers.

Pure: the reader takes an open `Table` (CSV or XLSX) and a `TeamDirectory`, and gives back each
kept row's `MonthlyFigures` with the import's counts. Every row is checked, also one for a team
outside the collaborative (it is skipped, not stored, but a file with a bad row is refused as
a whole). `check_monthly`'s errors are row errors; its
warning (headcounts that do not balance) is reported and the row is still kept.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar

from app.integrations.cells import CellError, parse_month, parse_number, parse_whole
from app.integrations.directory import Placements, TeamDirectory
from app.integrations.summary import ExtractSummary
from app.integrations.tabular import ErrorList, Table
from app.workforce.aggregation import MonthlyFigures, Severity, check_monthly

TeamT = TypeVar("TeamT", bound=Hashable)

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
class MonthlyExtract(ExtractSummary[TeamT]):
    """What a workforce-monthly file holds: the counts every kind reports, `warnings` (the kept
    rows whose headcounts do not balance) and `months`, the rows to store, keyed by (team,
    first day of the month), in file order."""

    warnings: ErrorList
    months: Mapping[tuple[TeamT, date], MonthlyFigures]


# A figure's column, its place in the table's rows, its parser and whether it is required.
_Field = tuple[str, int, Callable[[str], float | None], bool]


def _fields(table: Table) -> list[_Field]:
    """The figure columns the file has (an optional column it lacks is simply None)."""
    parsers: list[tuple[str, Callable[[str], float | None]]] = [
        *((name, parse_whole) for name in (*REQUIRED_COUNTS, *OPTIONAL_COUNTS)),
        *((name, parse_number) for name in OPTIONAL_AMOUNTS),
    ]
    fields = []
    for name, parse in parsers:
        index = table.index(name)
        if index is not None:
            fields.append((name, index, parse, name in REQUIRED_COUNTS))
    return fields


def _figures(
    row: int, cells: Sequence[str], month_index: int, fields: list[_Field], errors: ErrorList
) -> MonthlyFigures | None:
    """The row's figures, or None after adding an error for every cell that is missing or
    does not parse (so a row with three bad cells names all three). The hot loop of a big
    file: plain locals, and no parser call for a blank optional cell."""
    bad = False
    month: date | None = None
    try:
        month = parse_month(cells[month_index])
    except CellError as error:
        errors.add(row, "month", error.message)
        bad = True
    else:
        if month is None:
            errors.add(row, "month", "month is required")
            bad = True
    values: dict[str, float | None] = {}
    for name, index, parse, required in fields:
        text = cells[index]
        if not text:
            if required:
                errors.add(row, name, f"{name} is required")
                bad = True
            continue
        try:
            values[name] = parse(text)
        except CellError as error:
            errors.add(row, name, error.message)
            bad = True
    if bad or month is None:
        return None
    # A good row has every required count (whole numbers, from parse_whole).
    return MonthlyFigures(month=month, **values)  # type: ignore[arg-type]


def _index(table: Table, name: str) -> int:
    index = table.index(name)
    if index is None:
        raise ValueError(f"the table was opened without the required column {name!r}")
    return index


def read_workforce_monthly(table: Table, directory: TeamDirectory[TeamT]) -> MonthlyExtract[TeamT]:
    """Reads every row of `table` (opened with REQUIRED and OPTIONAL): its cells parsed (whole
    counts, numbers with `.`, `month` any date in the month or `YYYY-MM`, UK dates day first),
    its team placed, `check_monthly` applied. A second row for a team's month is an error on
    the later row. Raises what iterating the table raises (TooManyRows, InvalidTable)."""
    errors = table.errors
    warnings = ErrorList()
    placements: Placements[TeamT] = Placements()
    ods_index, ref_index, month_index = (_index(table, name) for name in REQUIRED[:3])
    fields = _fields(table)
    months: dict[tuple[TeamT, date], MonthlyFigures] = {}
    first_rows: dict[tuple[TeamT, date], int] = {}
    for row, cells in table:
        ods_code, team_ref = cells[ods_index], cells[ref_index]
        team: TeamT | None = None
        if not ods_code:
            errors.add(row, "ods_code", "ods_code is required")
        if not team_ref:
            errors.add(row, "team_ref", "team_ref is required")
        if ods_code and team_ref:
            team = placements.team(directory, row, ods_code, team_ref, errors)
        figures = _figures(row, cells, month_index, fields, errors)
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
