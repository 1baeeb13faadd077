"""A bound measure's point from stored aggregates: the worked examples of ingest spec 8 as
points, gaps for suppressed periods, and no point where there is no result."""

from datetime import date

import pytest

from app.measures.derived import DerivedPoint, survey_point, workforce_point
from app.measures.models import ChartType
from app.measures.schemas import SurveyQuestionSource, SurveyScoreSource
from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.surveys.scoring import aggregate_responses
from app.workforce.aggregation import MonthlyFigures
from app.workforce.metrics import WorkforceMetric

WEEK = date(2025, 3, 3)
ENJOY = SurveyQuestionSource(type="survey-question", survey="enjoying-work", question="enjoy_work")


EXAMPLE_8_1 = ["always"] * 3 + ["often"] * 4 + ["sometimes"] * 3 + ["rarely", None]


def test_worked_example_8_1_on_a_p_chart_is_7_of_11() -> None:
    aggregate = aggregate_responses(ENJOYING_WORK, [{"enjoy_work": a} for a in EXAMPLE_8_1])
    point = survey_point(ENJOY, ChartType.P, ENJOYING_WORK, WEEK, aggregate, 10)
    assert point == DerivedPoint(WEEK, numerator=7, denominator=11)


@pytest.mark.parametrize("chart", [ChartType.XMR, ChartType.RUN])
def test_worked_example_8_1_on_a_value_chart_is_the_percentage(chart: ChartType) -> None:
    aggregate = aggregate_responses(ENJOYING_WORK, [{"enjoy_work": a} for a in EXAMPLE_8_1])
    point = survey_point(ENJOY, chart, ENJOYING_WORK, WEEK, aggregate, 10)
    assert point is not None
    assert point.numerator is None
    assert point.denominator is None
    assert point.value == pytest.approx(700 / 11, abs=1e-12)


def test_eight_answers_under_a_threshold_of_ten_are_a_gap() -> None:
    aggregate = aggregate_responses(ENJOYING_WORK, [{"enjoy_work": "always"}] * 8)
    point = survey_point(ENJOY, ChartType.P, ENJOYING_WORK, WEEK, aggregate, 10)
    assert point == DerivedPoint(WEEK, suppressed=True)
    # ...and the same eight show once the trust sets the floor of five.
    shown = survey_point(ENJOY, ChartType.P, ENJOYING_WORK, WEEK, aggregate, 5)
    assert shown == DerivedPoint(WEEK, numerator=8, denominator=8)


def test_a_week_nobody_answered_the_question_has_no_point() -> None:
    aggregate = aggregate_responses(ENJOYING_WORK, [{"burnout": "1"}] * 12)
    assert survey_point(ENJOY, ChartType.P, ENJOYING_WORK, WEEK, aggregate, 10) is None


def test_a_score_is_the_team_mean_of_respondents_scores() -> None:
    # Worked example 8.2's respondent, ten times over: the team's engagement is theirs.
    respondent = {
        "q2a": "4", "q2b": "5", "q2c": "3", "q3c": "4", "q3d": "5", "q3f": "3",
        "q25a": "4", "q25c": None, "q25d": "5",
    }  # fmt: skip
    aggregate = aggregate_responses(NQPS, [respondent] * 10)
    source = SurveyScoreSource(type="survey-score", survey="nqps", score="engagement")
    point = survey_point(source, ChartType.XMR, NQPS, date(2025, 1, 1), aggregate, 10)
    assert point is not None
    assert point.value == pytest.approx(95 / 12, abs=1e-12)
    nine = aggregate_responses(NQPS, [respondent] * 9)
    gap = survey_point(source, ChartType.XMR, NQPS, date(2025, 1, 1), nine, 10)
    assert gap == DerivedPoint(date(2025, 1, 1), suppressed=True)


MONTH = date(2025, 3, 1)
EXAMPLE_8_3 = MonthlyFigures(
    month=MONTH,
    headcount_start=40,
    headcount_end=39,
    starters=2,
    leavers=3,
    sickness_fte_days_lost=31.5,
    fte_days_available=1085,
)


def test_worked_example_8_3_leaver_rate_on_a_p_chart_is_3_of_39_5() -> None:
    point = workforce_point(
        WorkforceMetric.LEAVER_RATE, ChartType.P, MONTH, {MONTH: EXAMPLE_8_3}, 10
    )
    assert point == DerivedPoint(MONTH, numerator=3, denominator=39.5)


def test_worked_example_8_3_sickness_on_an_xmr_chart_is_the_percentage() -> None:
    stored = {MONTH: EXAMPLE_8_3}
    point = workforce_point(WorkforceMetric.SICKNESS_ABSENCE_RATE, ChartType.XMR, MONTH, stored, 10)
    assert point is not None
    assert point.value == pytest.approx(31.5 / 1085 * 100, abs=1e-12)


def test_leavers_on_a_c_chart_is_the_count_and_a_small_team_a_gap() -> None:
    stored = {MONTH: EXAMPLE_8_3}
    assert workforce_point(WorkforceMetric.LEAVERS, ChartType.C, MONTH, stored, 10) == DerivedPoint(
        MONTH, value=3
    )
    assert workforce_point(WorkforceMetric.LEAVERS, ChartType.C, MONTH, stored, 41) == DerivedPoint(
        MONTH, suppressed=True
    )


def test_a_month_without_the_figures_the_metric_needs_has_no_point() -> None:
    stored = {MONTH: EXAMPLE_8_3}
    assert workforce_point(WorkforceMetric.VACANCY_RATE, ChartType.XMR, MONTH, stored, 10) is None
    assert (
        workforce_point(WorkforceMetric.LEAVER_RATE, ChartType.P, date(2025, 4, 1), stored, 10)
        is None
    )
