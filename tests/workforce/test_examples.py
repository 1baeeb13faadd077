"""The worked example of ingest 8.3, and the consistency rules of a monthly row (3.3)."""

from dataclasses import replace
from datetime import date

import pytest

from app.workforce.aggregation import MonthlyFigures, Problem, Severity, check_monthly
from app.workforce.metrics import WorkforceMetric, metric_point

MARCH = date(2025, 3, 1)
EXAMPLE = MonthlyFigures(
    month=MARCH,
    headcount_start=40,
    headcount_end=39,
    starters=2,
    leavers=3,
    sickness_fte_days_lost=31.5,
    fte_days_available=1085.0,
)


def test_the_worked_example_gives_the_leaver_rate_and_the_sickness_rate() -> None:
    assert check_monthly(EXAMPLE) == []
    leaver_rate = metric_point(WorkforceMetric.LEAVER_RATE, MARCH, {MARCH: EXAMPLE})
    assert (leaver_rate.numerator, leaver_rate.denominator) == (3, 39.5)
    assert leaver_rate.value == pytest.approx(7.594936708860759, rel=1e-12)
    assert f"{leaver_rate.value:.4f}" == "7.5949"
    assert not leaver_rate.suppressed
    sickness = metric_point(WorkforceMetric.SICKNESS_ABSENCE_RATE, MARCH, {MARCH: EXAMPLE})
    assert sickness.value == pytest.approx(2.903225806451613, rel=1e-12)
    assert f"{sickness.value:.4f}" == "2.9032"
    assert (sickness.numerator, sickness.denominator, sickness.suppressed) == (31.5, 1085, False)


def test_a_month_must_be_given_as_its_first_day() -> None:
    with pytest.raises(ValueError, match="first day"):
        replace(EXAMPLE, month=date(2025, 3, 2))


def errors(figures: MonthlyFigures) -> list[tuple[str, str]]:
    return [(p.column, p.message) for p in check_monthly(figures, row=7) if p.severity == "error"]


def test_counts_amounts_and_days_may_not_be_negative() -> None:
    bad = replace(EXAMPLE, starters=-1, fte_end=-0.5, stable_headcount_12m=-2)
    assert errors(bad) == [
        ("starters", "starters must be a whole number >= 0"),
        ("stable_headcount_12m", "stable_headcount_12m must be a whole number >= 0"),
        ("fte_end", "fte_end must be a number >= 0"),
    ]
    assert errors(replace(EXAMPLE, fte_start=float("nan"))) == [
        ("fte_start", "fte_start must be a number >= 0")
    ]


def test_leavers_cannot_outnumber_those_who_were_there() -> None:
    assert errors(replace(EXAMPLE, headcount_start=1, starters=1, leavers=3)) == [
        ("leavers", "leavers is more than headcount_start + starters")
    ]
    # As many leavers as there were people is possible: the team emptied.
    assert errors(replace(EXAMPLE, headcount_start=1, starters=2, leavers=3, headcount_end=0)) == []


def test_the_parts_come_with_their_wholes_and_stay_below_them() -> None:
    assert errors(replace(EXAMPLE, fte_days_available=None)) == [
        ("fte_days_available", "fte_days_available is required with sickness_fte_days_lost")
    ]
    assert errors(replace(EXAMPLE, establishment_fte=12.0)) == [
        ("vacancies_fte", "vacancies_fte is required with establishment_fte")
    ]
    assert errors(replace(EXAMPLE, sickness_fte_days_lost=1085.5)) == [
        ("sickness_fte_days_lost", "sickness_fte_days_lost is more than fte_days_available")
    ]
    assert errors(replace(EXAMPLE, establishment_fte=12.0, vacancies_fte=12.5)) == [
        ("vacancies_fte", "vacancies_fte is more than establishment_fte")
    ]
    equal = replace(EXAMPLE, establishment_fte=12.0, vacancies_fte=12.0)
    assert errors(equal) == []
    assert errors(replace(EXAMPLE, sickness_fte_days_lost=None, fte_days_available=None)) == []


def test_headcounts_that_do_not_balance_are_a_warning_not_an_error() -> None:
    unbalanced = replace(EXAMPLE, headcount_end=41)
    assert check_monthly(unbalanced, row=4) == [
        Problem(
            4,
            "headcount_end",
            "headcount_end is not headcount_start + starters - leavers (40 + 2 - 3)",
            Severity.WARNING,
        )
    ]
