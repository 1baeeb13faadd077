"""What the extract kinds share: the span of their periods, one error list made of two, and
the cell checks."""

from datetime import date
from pathlib import Path

import pytest

from app.integrations.cells import parse_date, parse_number
from app.integrations.summary import (
    column_index,
    merge_errors,
    parse_cell,
    period_span,
    required_cell,
)
from app.integrations.tabular import ErrorList, RowError, read_csv


def test_the_span_of_periods_is_the_first_and_the_last() -> None:
    assert period_span([]) is None
    days = [date(2025, 3, 3), date(2024, 12, 30), date(2025, 6, 2), date(2025, 3, 3)]
    assert period_span(iter(days)) == (date(2024, 12, 30), date(2025, 6, 2))


def test_a_second_tables_errors_name_it_and_the_uncounted_stay_counted() -> None:
    into = ErrorList(limit=3)
    into.add(4, "fte", "fte must be more than 0")
    other = ErrorList(limit=2)
    other.add(2, "start_date", "expected a date")
    other.add(3, None, "the row has 7 cells, the header 6")
    other.add(9, "end_date", "end_date is required")  # counted, not kept
    merge_errors(into, other, table="absence")
    assert into.errors == [
        RowError(4, "fte", "fte must be more than 0"),
        RowError(2, "absence.start_date", "expected a date"),
        RowError(3, "absence", "the row has 7 cells, the header 6"),
    ]
    assert into.error_count == 4
    plain = ErrorList()
    merge_errors(plain, other)
    assert [e.column for e in plain.errors] == ["start_date", None]
    assert plain.error_count == 3


def test_a_cell_is_parsed_or_named_in_an_error(tmp_path: Path) -> None:
    errors = ErrorList()
    assert parse_cell(errors, 2, "fte", "0.5", parse_number, required=True) == 0.5
    assert parse_cell(errors, 3, "end_date", "", parse_date, required=False) is None
    assert parse_cell(errors, 4, "fte", "", parse_number, required=True) is None
    assert parse_cell(errors, 5, "start_date", "31/02/2025", parse_date, required=True) is None
    assert required_cell(errors, 6, "team_ref", "") is None
    assert required_cell(errors, 7, "team_ref", "Ward 3") == "Ward 3"
    assert errors.errors == [
        RowError(4, "fte", "fte is required"),
        RowError(5, "start_date", "not a day of the calendar"),
        RowError(6, "team_ref", "team_ref is required"),
    ]
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with read_csv(path, charset=None, required=("a",), max_rows=10) as table:
        assert column_index(table, "a") == 0
        with pytest.raises(ValueError, match="no column 'b'"):
            column_index(table, "b")
