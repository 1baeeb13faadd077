"""The workforce metrics of ingest section 7 and their small-number suppression (5.4)."""

from dataclasses import replace
from datetime import date

from app.workforce.aggregation import MonthlyFigures, add_months
from app.workforce.metrics import (
    MetricPoint,
    WorkforceMetric,
    metric_point,
    metric_series,
    months_affected,
)

M = WorkforceMetric
JAN = date(2024, 1, 1)


def month(
    first: date, start: int = 20, end: int = 20, starters: int = 1, leavers: int = 1
) -> MonthlyFigures:
    return MonthlyFigures(first, start, end, starters, leavers)


def year(**changes: object) -> dict[date, MonthlyFigures]:
    """Twelve months, January to December 2024, of a steady team of 20."""
    months = [month(add_months(JAN, i)) for i in range(12)]
    return {f.month: replace(f, **changes) for f in months}  # type: ignore[arg-type]


def point(
    metric: WorkforceMetric, stored: dict[date, MonthlyFigures], threshold: int = 10
) -> MetricPoint:
    return metric_point(metric, max(stored), stored, threshold)


def numbers(p: MetricPoint) -> tuple[float | None, float | None, float | None, bool]:
    return (p.value, p.numerator, p.denominator, p.suppressed)


HIDDEN = (None, None, None, True)
NONE = (None, None, None, False)


def test_leaver_and_starter_counts_are_shown_for_a_team_of_the_threshold() -> None:
    stored = {JAN: month(JAN, start=10, end=12, starters=3, leavers=1)}
    assert numbers(point(M.LEAVERS, stored)) == (1, None, None, False)
    assert numbers(point(M.STARTERS, stored)) == (3, None, None, False)
    assert numbers(point(M.LEAVER_RATE, stored)) == (1 / 11 * 100, 1, 11, False)


def test_a_month_that_opens_under_the_threshold_shows_no_rate_and_no_count() -> None:
    small = month(JAN, start=9, end=12, starters=4, leavers=1)
    stored = {JAN: replace(small, establishment_fte=10.0, vacancies_fte=1.0)}
    for metric in (M.LEAVERS, M.STARTERS, M.LEAVER_RATE, M.VACANCY_RATE):
        assert numbers(point(metric, stored)) == HIDDEN, metric
    assert numbers(point(M.LEAVERS, stored, threshold=9)) == (1, None, None, False)


def test_vacancy_rate_is_vacant_over_funded_fte() -> None:
    stored = {JAN: replace(month(JAN), establishment_fte=25.0, vacancies_fte=2.5)}
    assert numbers(point(M.VACANCY_RATE, stored)) == (10.0, 2.5, 25.0, False)
    assert numbers(point(M.VACANCY_RATE, {JAN: month(JAN)})) == NONE
    no_post = {JAN: replace(month(JAN), establishment_fte=0.0, vacancies_fte=0.0)}
    assert numbers(point(M.VACANCY_RATE, no_post)) == NONE


def test_a_sickness_rate_over_330_fte_days_or_fewer_is_suppressed() -> None:
    figures = replace(month(JAN), sickness_fte_days_lost=3.3, fte_days_available=330.0)
    assert numbers(point(M.SICKNESS_ABSENCE_RATE, {JAN: figures})) == HIDDEN
    figures = replace(figures, fte_days_available=330.5)
    assert numbers(point(M.SICKNESS_ABSENCE_RATE, {JAN: figures})) == (
        3.3 / 330.5 * 100,
        3.3,
        330.5,
        False,
    )
    small = replace(figures, headcount_start=9, fte_days_available=2000.0)
    assert numbers(point(M.SICKNESS_ABSENCE_RATE, {JAN: small})) == HIDDEN
    assert numbers(point(M.SICKNESS_ABSENCE_RATE, {JAN: month(JAN)})) == NONE


def test_a_month_not_stored_has_no_point() -> None:
    assert numbers(metric_point(M.LEAVER_RATE, JAN, {})) == NONE


def test_the_twelve_month_leaver_rate_sums_the_leavers_over_the_mean_of_its_ends() -> None:
    stored = year()
    stored[JAN] = replace(stored[JAN], headcount_start=18)
    stored[date(2024, 12, 1)] = replace(stored[date(2024, 12, 1)], headcount_end=21)
    assert numbers(point(M.LEAVER_RATE_12M, stored)) == (12 / 19.5 * 100, 12, 19.5, False)


def test_stability_divides_those_still_there_by_the_headcount_eleven_months_before() -> None:
    stored = year()
    stored[JAN] = replace(stored[JAN], headcount_start=16)
    december = date(2024, 12, 1)
    stored[december] = replace(stored[december], stable_headcount_12m=12)
    assert numbers(point(M.STABILITY_INDEX_12M, stored)) == (75.0, 12, 16, False)
    assert numbers(point(M.STABILITY_INDEX_12M, year())) == NONE  # no stable headcount stored


def test_a_rolling_point_needs_all_twelve_months() -> None:
    stored = year(stable_headcount_12m=15)
    del stored[date(2024, 6, 1)]
    for metric in (M.LEAVER_RATE_12M, M.STABILITY_INDEX_12M):
        assert numbers(metric_point(metric, date(2024, 12, 1), stored)) == NONE
    assert numbers(metric_point(M.LEAVER_RATE_12M, date(2024, 11, 1), year())) == NONE


def test_a_rolling_point_is_suppressed_when_a_headcount_of_its_denominator_is_small() -> None:
    stored = year(stable_headcount_12m=15)
    december = date(2024, 12, 1)
    stored[JAN] = replace(stored[JAN], headcount_start=9)
    assert numbers(point(M.LEAVER_RATE_12M, stored)) == HIDDEN
    assert numbers(point(M.STABILITY_INDEX_12M, stored)) == HIDDEN
    stored = year(stable_headcount_12m=15)
    stored[december] = replace(stored[december], headcount_end=9)
    assert numbers(point(M.LEAVER_RATE_12M, stored)) == HIDDEN
    assert not point(M.STABILITY_INDEX_12M, stored).suppressed


def test_a_small_month_inside_the_year_hides_the_rolling_leaver_rate_too() -> None:
    # Else the rolling sums ending in May and in June, and June 2023's count, would give away
    # the leavers of June, a month that shows none.
    stored = year()
    june = date(2024, 6, 1)
    stored[june] = replace(stored[june], headcount_start=5)
    assert numbers(point(M.LEAVER_RATE_12M, stored)) == HIDDEN


def test_a_series_has_a_point_per_stored_month_in_order() -> None:
    stored = year()
    stored[add_months(JAN, 12)] = month(add_months(JAN, 12), leavers=2)
    series = metric_series(M.LEAVER_RATE_12M, reversed(stored.values()))
    assert [p.month for p in series] == sorted(stored)
    assert [p.numerator for p in series] == [None] * 11 + [12, 13]
    assert [p.value for p in metric_series(M.LEAVERS, stored.values())] == [1] * 12 + [2]


def test_correcting_a_month_touches_its_own_point_or_the_twelve_rolling_ones() -> None:
    assert months_affected(M.SICKNESS_ABSENCE_RATE, JAN) == [JAN]
    affected = months_affected(M.STABILITY_INDEX_12M, date(2024, 3, 1))
    assert (len(affected), affected[0], affected[-1]) == (12, date(2024, 3, 1), date(2025, 2, 1))
