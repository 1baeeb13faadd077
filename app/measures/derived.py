"""The point a bound measure gets for one period from stored aggregates (ingest spec 7 and 5.4).

Pure: the import service reads the aggregates and writes the points; this decides what each
point is. A period without a result has no point (None), a suppressed result a gap (no
numbers, `suppressed`), and otherwise a p chart gets numerator and denominator and a value
chart (xmr, run, c) the value.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.measures.models import ChartType
from app.measures.schemas import SurveyQuestionSource, SurveyScoreSource
from app.measures.sources import PROPORTION
from app.surveys.definitions import Survey
from app.surveys.scoring import Aggregate, question_results, score_results
from app.workforce.aggregation import MonthlyFigures
from app.workforce.metrics import WorkforceMetric, metric_point


@dataclass(frozen=True, slots=True)
class DerivedPoint:
    period_start: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False


def _point(
    chart: ChartType,
    period: date,
    *,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
) -> DerivedPoint:
    if chart in PROPORTION:
        return DerivedPoint(period, numerator=numerator, denominator=denominator)
    return DerivedPoint(period, value=value)


def survey_point(
    source: SurveyQuestionSource | SurveyScoreSource,
    chart: ChartType,
    survey: Survey,
    period: date,
    aggregate: Aggregate,
    threshold: int,
) -> DerivedPoint | None:
    """The period's point from the team's stored totals for `survey`, or None without a result
    (nobody gave a counted answer; nobody has the score; the question or score is no longer
    in a local survey's definition)."""
    if isinstance(source, SurveyQuestionSource):
        result = question_results(survey, aggregate, threshold=threshold).get(source.question)
        if result is None:
            return None
        if result.suppressed:
            return DerivedPoint(period, suppressed=True)
        return _point(
            chart,
            period,
            value=result.percent_favourable,
            numerator=result.favourable,
            denominator=result.respondents,
        )
    score = score_results(survey, aggregate, threshold=threshold).get(source.score)
    if score is None:
        return None
    if score.suppressed:
        return DerivedPoint(period, suppressed=True)
    return DerivedPoint(period, value=score.value)


def workforce_point(
    metric: WorkforceMetric,
    chart: ChartType,
    month: date,
    stored: Mapping[date, MonthlyFigures],
    threshold: int,
) -> DerivedPoint | None:
    """The month's point from the team's stored months (a rolling metric needs the eleven
    before it), or None when the month lacks the figures the metric needs."""
    found = metric_point(metric, month, stored, threshold)
    if found.suppressed:
        return DerivedPoint(month, suppressed=True)
    if found.value is None:
        return None
    return _point(
        chart, month, value=found.value, numerator=found.numerator, denominator=found.denominator
    )
