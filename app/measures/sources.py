"""What a measure can be bound to (ingest spec 7): the chart types each source fits, and why.

The fit table is data, one mapping, so that a new chart type joins the family it belongs to
(issue 14's `p_prime` beside `p`, `u_prime` beside `u`) in one line and every source that fits
the family fits it too."""

from dataclasses import dataclass

from app.measures.models import ChartType
from app.workforce.metrics import WorkforceMetric

SURVEY_QUESTION = "survey-question"
SURVEY_SCORE = "survey-score"
WORKFORCE = "workforce"

# Chart families. A proportion chart plots numerator / denominator with per-point limits; a
# value chart plots one number per period; a count chart plots whole events.
PROPORTION: tuple[ChartType, ...] = (ChartType.P,)
VALUE: tuple[ChartType, ...] = (ChartType.XMR, ChartType.RUN)
COUNT: tuple[ChartType, ...] = (ChartType.C,)
RUN_ONLY: tuple[ChartType, ...] = (ChartType.RUN,)


@dataclass(frozen=True, slots=True)
class Fit:
    """The chart types a source may be charted with, and why those and no others."""

    charts: tuple[ChartType, ...]
    why: str


_NOT_TRIALS = (
    "days and FTE are not independent trials, so a p chart's limits would be far too narrow"
)
_ROLLING = (
    "rolling twelve-month figures overlap, so their points are not independent and control"
    " limits would claim signals that are not there"
)
_EVENTS = "a month's count is a count of events: a c chart, or a run chart"

# Keyed by the source's `type` for surveys and by the metric for workforce sources (the
# metric names never collide with the two survey types).
CHART_FIT: dict[str, Fit] = {
    SURVEY_QUESTION: Fit(
        (*PROPORTION, *VALUE),
        "a question's result is favourable answers out of respondents: a p chart of those"
        " counts, or its percentage favourable as a value",
    ),
    SURVEY_SCORE: Fit(
        VALUE,
        "a team's score is a mean of its respondents' scores, neither a proportion nor a"
        " count of events, so it is charted as a value",
    ),
    WorkforceMetric.LEAVER_RATE: Fit(
        (*PROPORTION, *VALUE),
        "the leaver rate is leavers out of the mean headcount: a p chart of those, or the"
        " percentage as a value",
    ),
    WorkforceMetric.SICKNESS_ABSENCE_RATE: Fit(VALUE, _NOT_TRIALS),
    WorkforceMetric.VACANCY_RATE: Fit(VALUE, _NOT_TRIALS),
    WorkforceMetric.LEAVERS: Fit((*COUNT, *RUN_ONLY), _EVENTS),
    WorkforceMetric.STARTERS: Fit((*COUNT, *RUN_ONLY), _EVENTS),
    WorkforceMetric.STABILITY_INDEX_12M: Fit(RUN_ONLY, _ROLLING),
    WorkforceMetric.LEAVER_RATE_12M: Fit(RUN_ONLY, _ROLLING),
}


def fit_key(source_type: str, metric: str | None = None) -> str:
    """The CHART_FIT key of a source: its type, or for a workforce source its metric."""
    return metric if source_type == WORKFORCE and metric is not None else source_type


def chart_list(charts: tuple[ChartType, ...]) -> str:
    """'p, xmr or run'."""
    names = [chart.value for chart in charts]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
