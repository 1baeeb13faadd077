"""The `workforce-staff` file kind (ingest spec 3.4): person-level assignments, and optionally
their `absence` episodes, validated, placed in their team and aggregated into the monthly rows
of 3.3 for every month of the stated window; the person-level rows are then dropped.

Pure: the reader takes open `Table`s (CSV or XLSX) and a `TeamDirectory`. An `employee_ref` is
replaced by the caller's keyed hash as soon as it is read, so no reference is kept, and only
the monthly figures come back. Errors of the absence table name their column `absence.<name>`
(`absence` alone for the whole row), so that its row numbers cannot be taken for the staff
table's.
"""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Generic, TypeVar

from app.integrations.cells import CellError, parse_date, parse_month, parse_number
from app.integrations.directory import Placements, TeamDirectory, fold_ods, fold_ref
from app.integrations.summary import (
    Columns,
    ExtractSummary,
    column_index,
    merge_errors,
    parse_cell,
    required_cell,
)
from app.integrations.tabular import ErrorList, InvalidTable, RowError, Table
from app.workforce.aggregation import (
    AbsenceEpisode,
    Assignment,
    MonthlyFigures,
    Problem,
    aggregate_staff,
    check_staff,
    first_of_month,
    month_range,
)

TeamT = TypeVar("TeamT", bound=Hashable)

STAFF_COLUMNS: Final = Columns(
    required=("employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte"),
    optional=("leaving_reason",),
)
ABSENCE_TABLE: Final = "absence"
ABSENCE_COLUMNS: Final = Columns(
    required=("employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte_days_lost"),
)
# ESR's leaving reasons are short phrases; anything far longer is not one.
MAX_LEAVING_REASON: Final = 200
# Each team gets a row per month of the window, so its length bounds the work and the memory.
MAX_WINDOW_MONTHS: Final = 120

# Where a row is: its team, or, for a row outside the collaborative or not the caller's, the
# folded (ods_code, team_ref) pair it names, so that those rows are checked the same way.
Where = tuple[str, Hashable]


class WindowError(ValueError):
    """A bad `from` or `to`: the query parameter and what is wrong (a 422 naming it)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def parse_window(first: str | None, last: str | None) -> tuple[date, date]:
    """The first days of the window's first and last months, from the `from` and `to` query
    parameters: `YYYY-MM` or any date in the month, both months included."""
    months: list[date] = []
    for parameter, text in (("from", first), ("to", last)):
        try:
            month = parse_month((text or "").strip())
        except CellError as error:
            raise WindowError(parameter, error.message) from None
        if month is None:
            raise WindowError(parameter, f"{parameter} is required (a month, YYYY-MM)")
        months.append(month)
    start, end = months
    if end < start:
        raise WindowError("to", "the window ends before it starts (to is before from)")
    if (end.year - start.year) * 12 + end.month - start.month >= MAX_WINDOW_MONTHS:
        raise WindowError("to", f"the window is longer than {MAX_WINDOW_MONTHS} months")
    return start, end


def in_absence_table(invalid: InvalidTable) -> InvalidTable:
    """The absence table's InvalidTable (its header, or a row it cannot read past) with each
    column named as its rows' errors are (`absence.<name>`, `absence` for the whole row)."""
    return InvalidTable(
        [
            RowError(
                error.row,
                ABSENCE_TABLE if error.column is None else f"{ABSENCE_TABLE}.{error.column}",
                error.message,
            )
            for error in invalid.errors
        ]
    )


@dataclass(frozen=True, kw_only=True)
class StaffExtract(ExtractSummary[TeamT]):
    """`months`: every touched team's row for every month of the window (`periods`); without
    an absence table `with_sickness` is false and no month has sickness figures. `rows_read`,
    `rows_skipped` and `unmapped` count the rows of both tables."""

    months: Mapping[tuple[TeamT, date], MonthlyFigures]
    with_sickness: bool


@dataclass(frozen=True, slots=True)
class _Row:
    where: Where
    employee: str  # the keyed hash, in hex
    start: date
    end: date | None
    amount: float  # fte, or fte_days_lost
    row: int


_COMMON: Final = ("employee_ref", "ods_code", "team_ref", "start_date", "end_date")


class _Reader(Generic[TeamT]):
    """Reads both tables' rows; `teams` remembers the team of each `("team", team)` key."""

    def __init__(
        self, directory: TeamDirectory[TeamT], hash_employee: Callable[[str], bytes]
    ) -> None:
        self.directory = directory
        self.hash_employee = hash_employee
        self.teams: dict[Where, TeamT] = {}

    def rows(
        self, table: Table, amount: str, placements: Placements[TeamT]
    ) -> tuple[list[_Row], set[tuple[Where, str]]]:
        """Each row that parses, and the (where, employee) of those that do not. `amount` is
        `fte` (staff: end_date may be blank) or `fte_days_lost` (absence: it may not)."""
        at = [column_index(table, c) for c in (*_COMMON, amount)]
        reason_at = table.index("leaving_reason")
        errors = table.errors
        good: list[_Row] = []
        broken: set[tuple[Where, str]] = set()
        for row, cells in table:
            before = errors.error_count
            text = required_cell(errors, row, "employee_ref", cells[at[0]])
            employee = None if text is None else self.hash_employee(text).hex()
            ods = required_cell(errors, row, "ods_code", cells[at[1]])
            ref = required_cell(errors, row, "team_ref", cells[at[2]])
            start = parse_cell(errors, row, "start_date", cells[at[3]], parse_date, required=True)
            end = parse_cell(
                errors, row, "end_date", cells[at[4]], parse_date, required=amount != "fte"
            )
            value = parse_cell(errors, row, amount, cells[at[5]], parse_number, required=True)
            if reason_at is not None and len(cells[reason_at]) > MAX_LEAVING_REASON:
                message = f"leaving_reason is longer than {MAX_LEAVING_REASON} characters"
                errors.add(row, "leaving_reason", message)
            if ods is None or ref is None or employee is None:
                continue
            team = placements.team(self.directory, row, ods, ref, errors)
            where: Where = ("pair", (fold_ods(ods), fold_ref(ref)))
            if team is not None:
                where = ("team", team)
                self.teams[where] = team
            if start is None or value is None or errors.error_count != before:
                broken.add((where, employee))
                continue
            good.append(_Row(where, employee, start, end, value, row))
        return good, broken


def _report(errors: ErrorList, problems: list[Problem]) -> set[int | None]:
    """Adds check_staff's problems as row errors, keeping the table's errors in row order
    (those kept: past the cap, later rows' parse errors may have taken a place); the rows the
    problems are on."""
    for problem in problems:
        errors.add(problem.row or 0, problem.column, problem.message)
    errors.errors.sort(key=lambda error: error.row)
    return {problem.row for problem in problems}


def read_workforce_staff(
    staff: Table,
    absence: Table | None,
    directory: TeamDirectory[TeamT],
    *,
    window_first: date,
    window_last: date,
    hash_employee: Callable[[str], bytes],
) -> StaffExtract[TeamT]:
    """Reads a `workforce-staff` table opened with `STAFF_COLUMNS` and, when the file has one,
    its `absence` table opened with `ABSENCE_COLUMNS`, into the monthly rows of every month
    from `window_first`'s to `window_last`'s for each team the rows name.

    Rows outside the collaborative are checked like the others (by the pair they name), then
    dropped. The consistency rules are `check_staff`'s, run on the assignments first and then
    on the episodes against the assignments without errors, so that one bad assignment does
    not also fault every episode of that employee. A row with errors adds nothing. Errors
    come in row order, the staff table's first, then the absence table's."""
    months = month_range(first_of_month(window_first), first_of_month(window_last))
    reader = _Reader(directory, hash_employee)
    placements: Placements[TeamT] = Placements()
    rows, broken = reader.rows(staff, "fte", placements)
    errors = staff.errors
    assignments = [Assignment(r.employee, r.where, r.start, r.end, r.amount, r.row) for r in rows]
    bad = _report(errors, check_staff(assignments))
    broken.update((a.team, a.employee) for a in assignments if a.row in bad)
    good = [a for a in assignments if a.row not in bad]

    absence_placements: Placements[TeamT] = Placements()
    episodes: list[AbsenceEpisode[Where]] | None = None
    if absence is not None:
        try:
            rows, _ = reader.rows(absence, "fte_days_lost", absence_placements)
        except InvalidTable as invalid:
            raise in_absence_table(invalid) from None
        candidates = [
            AbsenceEpisode(r.employee, r.where, r.start, r.end, r.amount, r.row)
            for r in rows
            if r.end is not None and (r.where, r.employee) not in broken
        ]
        bad = _report(absence.errors, check_staff(good, candidates))
        episodes = [e for e in candidates if e.row not in bad]
        merge_errors(errors, absence.errors, table=ABSENCE_TABLE)
        merge_errors(placements.forbidden, absence_placements.forbidden, table=ABSENCE_TABLE)

    teams = reader.teams
    figures = aggregate_staff(
        [a for a in good if a.team in teams],
        None if episodes is None else [e for e in episodes if e.team in teams],
        months[0],
        months[-1],
    )
    monthly = {(teams[where], f.month): f for where, series in figures.items() for f in series}
    unmapped = dict(placements.unmapped)
    for pair, count in absence_placements.unmapped.items():
        unmapped[pair] = unmapped.get(pair, 0) + count
    absence_columns = () if absence is None else absence.ignored_columns
    return StaffExtract(
        rows_read=staff.rows_read + (0 if absence is None else absence.rows_read),
        rows_skipped=placements.rows_skipped + absence_placements.rows_skipped,
        unmapped=unmapped,
        forbidden=placements.forbidden,
        errors=errors,
        ignored_columns=(
            *staff.ignored_columns,
            *(f"{ABSENCE_TABLE}.{column}" for column in absence_columns),
        ),
        periods=(months[0], months[-1]) if monthly else None,
        teams=frozenset(team for team, _ in monthly),
        months=monthly,
        with_sickness=absence is not None,
    )
