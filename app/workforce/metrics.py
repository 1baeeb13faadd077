"""The workforce metrics of ingest section 7 from stored monthly figures, with 5.4 suppression."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.workforce.aggregation import MonthlyFigures, add_months

DEFAULT_THRESHOLD = 10
# NHS Digital publishes no sickness absence rate over 330 FTE days available or fewer.
SICKNESS_MIN_FTE_DAYS = 330.0
ROLLING_MONTHS = 12


class WorkforceMetric(StrEnum):
    LEAVER_RATE = "leaver_rate"
    SICKNESS_ABSENCE_RATE = "sickness_absence_rate"
    VACANCY_RATE = "vacancy_rate"
    LEAVERS = "leavers"
    STARTERS = "starters"
    STABILITY_INDEX_12M = "stability_index_12m"
    LEAVER_RATE_12M = "leaver_rate_12m"


ROLLING = frozenset({WorkforceMetric.STABILITY_INDEX_12M, WorkforceMetric.LEAVER_RATE_12M})


@dataclass(frozen=True)
class MetricPoint:
    """One month's point. `value` is the percentage for a rate, the count for leavers and
    starters; numerator and denominator are a rate's (None for a count). A suppressed point,
    and a month without the figures the metric needs, has all three None."""

    month: date
    value: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool = False


def _rate(month: date, numerator: float, denominator: float) -> MetricPoint:
    if denominator == 0:
        return MetricPoint(month, None, None, None)
    return MetricPoint(month, numerator / denominator * 100, numerator, denominator)


def metric_point(
    metric: WorkforceMetric,
    month: date,
    stored: Mapping[date, MonthlyFigures],
    threshold: int = DEFAULT_THRESHOLD,
) -> MetricPoint:
    """The metric for `month` (a first day) from the team's stored months, keyed by first day."""
    if metric in ROLLING:
        return _rolling(metric, month, stored, threshold)
    figures = stored.get(month)
    if figures is None:
        return MetricPoint(month, None, None, None)
    if metric is WorkforceMetric.SICKNESS_ABSENCE_RATE:
        lost, available = figures.sickness_fte_days_lost, figures.fte_days_available
        if lost is None or available is None:
            return MetricPoint(month, None, None, None)
        if figures.headcount_start < threshold or available <= SICKNESS_MIN_FTE_DAYS:
            return MetricPoint(month, None, None, None, suppressed=True)
        return _rate(month, lost, available)
    vacancies, establishment = figures.vacancies_fte, figures.establishment_fte
    if metric is WorkforceMetric.VACANCY_RATE and (vacancies is None or establishment is None):
        return MetricPoint(month, None, None, None)
    # A small team's month shows no rate and no count of leavers or starters.
    if figures.headcount_start < threshold:
        return MetricPoint(month, None, None, None, suppressed=True)
    if metric is WorkforceMetric.LEAVERS:
        return MetricPoint(month, figures.leavers, None, None)
    if metric is WorkforceMetric.STARTERS:
        return MetricPoint(month, figures.starters, None, None)
    if metric is WorkforceMetric.VACANCY_RATE and vacancies is not None and establishment:
        return _rate(month, vacancies, establishment)
    if metric is WorkforceMetric.VACANCY_RATE:
        return MetricPoint(month, None, None, None)  # no funded post: no rate
    mean = (figures.headcount_start + figures.headcount_end) / 2
    return _rate(month, figures.leavers, mean)


def _rolling(
    metric: WorkforceMetric, month: date, stored: Mapping[date, MonthlyFigures], threshold: int
) -> MetricPoint:
    months = [add_months(month, i - ROLLING_MONTHS + 1) for i in range(ROLLING_MONTHS)]
    window = [stored[m] for m in months if m in stored]
    if len(window) < ROLLING_MONTHS:
        return MetricPoint(month, None, None, None)  # a rolling point needs all twelve months
    first, last = window[0], window[-1]
    if metric is WorkforceMetric.STABILITY_INDEX_12M:
        if last.stable_headcount_12m is None:
            return MetricPoint(month, None, None, None)
        if first.headcount_start < threshold:
            return MetricPoint(month, None, None, None, suppressed=True)
        return _rate(month, last.stable_headcount_12m, first.headcount_start)
    # Beyond the two headcounts of its denominator, a month of the twelve that is suppressed
    # suppresses the point too: two neighbouring rolling sums (and the month twelve back) would
    # otherwise give away that month's leavers by subtraction.
    if last.headcount_end < threshold or any(f.headcount_start < threshold for f in window):
        return MetricPoint(month, None, None, None, suppressed=True)
    leavers = sum(f.leavers for f in window)
    return _rate(month, leavers, (first.headcount_start + last.headcount_end) / 2)


def metric_series(
    metric: WorkforceMetric,
    figures: Iterable[MonthlyFigures],
    threshold: int = DEFAULT_THRESHOLD,
) -> list[MetricPoint]:
    """One point for each stored month, in month order (a rolling point may be empty)."""
    stored = {f.month: f for f in figures}
    return [metric_point(metric, month, stored, threshold) for month in sorted(stored)]


def months_affected(metric: WorkforceMetric, corrected: date) -> list[date]:
    """The months whose point changes when month `corrected` is stored or corrected."""
    if metric in ROLLING:
        return [add_months(corrected, i) for i in range(ROLLING_MONTHS)]
    return [corrected]


# A month's figures as stored, in the order they are shown; the sickness pair is hidden also
# when only the sickness rate is suppressed (their ratio is the rate).
_SICKNESS_FIGURES = ("sickness_fte_days_lost", "fte_days_available")
FIGURES = (
    "headcount_start",
    "headcount_end",
    "starters",
    "leavers",
    "fte_start",
    "fte_end",
    "leavers_fte",
    *_SICKNESS_FIGURES,
    "establishment_fte",
    "vacancies_fte",
    "stable_headcount_12m",
)


@dataclass(frozen=True)
class DisclosedMonth:
    """A stored month as it may be shown (ingest 5.4). `suppressed`: its headcount_start is
    below the threshold, so none of its figures is shown (counts, FTE that would give them
    away, and everything its rates are made of); `sickness_suppressed`: its sickness rate may
    not be shown either (also when fte_days_available is 330 or fewer). `figures` maps each of
    FIGURES to its value, or None when it is hidden or was not given."""

    month: date
    suppressed: bool
    sickness_suppressed: bool
    figures: Mapping[str, float | None]


def disclose_month(figures: MonthlyFigures, threshold: int = DEFAULT_THRESHOLD) -> DisclosedMonth:
    suppressed = figures.headcount_start < threshold
    available = figures.fte_days_available
    sickness_suppressed = suppressed or (
        available is not None and available <= SICKNESS_MIN_FTE_DAYS
    )
    if suppressed:
        hidden = frozenset(FIGURES)
    elif sickness_suppressed:
        hidden = frozenset(_SICKNESS_FIGURES)
    else:
        hidden = frozenset()
    shown = {name: None if name in hidden else getattr(figures, name) for name in FIGURES}
    return DisclosedMonth(figures.month, suppressed, sickness_suppressed, shown)
