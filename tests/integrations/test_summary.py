"""What the extract kinds share: the span of their periods, and one error list made of two."""

from datetime import date

from app.integrations.summary import merge_errors, period_span
from app.integrations.tabular import ErrorList, RowError


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
