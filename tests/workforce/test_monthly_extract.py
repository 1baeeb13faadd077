"""The workforce-monthly reader (ingest 3.3) on its own: cells parsed, rows placed and checked,
repeats and imbalances found, and no message ever quoting a cell."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.directory import TeamDirectory
from app.integrations.tabular import Table, read_csv
from app.workforce.aggregation import MonthlyFigures
from app.workforce.monthly_extract import (
    OPTIONAL,
    REQUIRED,
    MonthlyExtract,
    read_workforce_monthly,
)

HEADER = "ods_code,team_ref,month,headcount_start,headcount_end,starters,leavers"
DIRECTORY = TeamDirectory(
    teams={("RHQ", "ed nursing"): "ed", ("RFR", "ward 3"): "ward3"},
    organisations=frozenset({"RHQ", "RFR", "RP5"}),
)


@contextmanager
def table(lines: Sequence[str], header: str = HEADER) -> Iterator[Table]:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "monthly.csv"
        path.write_text("\r\n".join([header, *lines]) + "\r\n", encoding="utf-8")
        with read_csv(
            path, charset=None, required=REQUIRED, optional=OPTIONAL, max_rows=10_000
        ) as opened:
            yield opened


def read(
    lines: Sequence[str], header: str = HEADER, directory: TeamDirectory[str] = DIRECTORY
) -> MonthlyExtract[str]:
    with table(lines, header) as opened:
        return read_workforce_monthly(opened, directory)


def errors(extract: MonthlyExtract[str]) -> list[tuple[int, str | None]]:
    return [(error.row, error.column) for error in extract.errors.errors]


def test_a_good_file_gives_each_teams_months_and_the_counts() -> None:
    extract = read(
        [
            "RHQ,ED Nursing,2025-03-15,40,39,2,3",
            "rfr, ward 3 ,2025-03,12,12,0,0",
            "",
            "RP5,Theatres,2025-03-01,30,30,0,0",
            "RHQ,ed nursing,30/04/2025,39,39,1,1",
        ]
    )
    assert errors(extract) == []
    assert extract.months == {
        ("ed", date(2025, 3, 1)): MonthlyFigures(date(2025, 3, 1), 40, 39, 2, 3),
        ("ward3", date(2025, 3, 1)): MonthlyFigures(date(2025, 3, 1), 12, 12, 0, 0),
        ("ed", date(2025, 4, 1)): MonthlyFigures(date(2025, 4, 1), 39, 39, 1, 1),
    }
    assert (extract.rows_read, extract.rows_skipped) == (4, 1)
    assert extract.unmapped == {("RP5", "Theatres"): 1}
    assert extract.periods == (date(2025, 3, 1), date(2025, 4, 1))
    assert extract.teams == frozenset({"ed", "ward3"})
    assert DIRECTORY.seen >= {"RHQ", "RFR", "RP5"}


def test_the_optional_columns_are_read_and_the_extra_ones_listed() -> None:
    header = HEADER + ",fte_start,Establishment_FTE , vacancies_fte,stable_headcount_12m,notes"
    extract = read(["RHQ,ed nursing,2025-03-01,40,40,0,0,35.5,38,2.5,36,see email"], header)
    (figures,) = extract.months.values()
    assert (figures.fte_start, figures.establishment_fte, figures.vacancies_fte) == (
        35.5,
        38.0,
        2.5,
    )
    assert figures.stable_headcount_12m == 36
    assert figures.fte_end is None
    assert extract.ignored_columns == ("notes",)


def test_months_are_any_date_in_the_month_day_first() -> None:
    extract = read(
        [
            "RHQ,ed nursing,2025-01,40,40,0,0",
            "RHQ,ed nursing,28/02/2025,40,40,0,0",
            "RHQ,ed nursing,03/04/2025,40,40,0,0",  # 3 April, never 4 March
            "RHQ,ed nursing,04/31/2025,40,40,0,0",  # a US date: there is no 31st month
            "RHQ,ed nursing,March 2025,40,40,0,0",
        ]
    )
    assert [month for _, month in extract.months] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 4, 1),
    ]
    assert errors(extract) == [(5, "month"), (6, "month")]


def test_a_team_month_given_twice_is_an_error_on_the_later_row() -> None:
    extract = read(
        [
            "RHQ,ed nursing,2025-03-01,40,39,2,3",
            "RHQ,ED NURSING,2025-03-31,40,39,2,3",
            "RFR,ward 3,2025-03-01,12,12,0,0",
            "RHQ,ed nursing,15/03/2025,1,1,0,0",
        ]
    )
    assert [(e.row, e.column, e.message) for e in extract.errors.errors] == [
        (3, "month", "row 2 already gives this team's month"),
        (5, "month", "row 2 already gives this team's month"),
    ]


def test_every_bad_cell_of_a_row_is_named() -> None:
    extract = read(["RHQ,,2025-13-01,-1,1.5,,x"])
    assert errors(extract) == [
        (2, "team_ref"),
        (2, "month"),
        (2, "headcount_start"),
        (2, "headcount_end"),
        (2, "starters"),
        (2, "leavers"),
    ]
    assert extract.months == {}


def test_an_imbalance_is_a_warning_on_a_kept_row_only() -> None:
    extract = read(
        [
            "RHQ,ed nursing,2025-03-01,40,45,2,3",  # kept, with a warning
            "RP5,theatres,2025-03-01,40,45,2,3",  # skipped: nothing to warn about
        ]
    )
    assert [(w.row, w.column) for w in extract.warnings.errors] == [(2, "headcount_end")]
    assert len(extract.months) == 1


def test_rows_the_caller_may_not_send_are_listed_apart() -> None:
    bound = TeamDirectory(
        DIRECTORY.teams, DIRECTORY.organisations, permitted_organisations=frozenset({"RHQ"})
    )
    extract = read(
        ["RHQ,ed nursing,2025-03-01,40,40,0,0", "RFR,ward 3,2025-03-01,12,12,0,0"],
        directory=bound,
    )
    assert [(e.row, e.column) for e in extract.forbidden.errors] == [(3, "ods_code")]
    assert errors(extract) == []
    assert list(extract.months) == [("ed", date(2025, 3, 1))]


# Any text a cell may hold (no NUL, no CSV syntax); each is sent behind a marker, "zq", that no
# message has, so a message quoting the cell would show it.
CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters='\x00,"\r\n\ufeff'),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(cell=CELL, column=st.integers(2, 6))
def test_no_message_quotes_a_cell(cell: str, column: int) -> None:
    cells = ["RHQ", "ed nursing", "2025-03-01", "40", "40", "0", "0"]
    cells[column] = f"zq{cell}"
    extract = read([",".join(cells)])
    found = extract.errors.errors
    assert [error.column for error in found] == [REQUIRED[column]]
    assert all("zq" not in error.message for error in found)
