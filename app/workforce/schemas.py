"""Response bodies of GET /teams/{team_id}/workforce."""

import uuid
from datetime import date

from pydantic import BaseModel, Field


class WorkforceMonthRead(BaseModel):
    """One stored month. A suppressed month (headcount_start below the threshold) shows none
    of its figures; a month whose sickness rate is suppressed shows no sickness figures."""

    month: date = Field(description="The month's first day.")
    suppressed: bool
    sickness_suppressed: bool
    headcount_start: int | None
    headcount_end: int | None
    starters: int | None
    leavers: int | None
    fte_start: float | None
    fte_end: float | None
    leavers_fte: float | None
    sickness_fte_days_lost: float | None
    fte_days_available: float | None
    establishment_fte: float | None
    vacancies_fte: float | None
    stable_headcount_12m: int | None
    import_id: uuid.UUID = Field(description="The import that stored this month.")


class MetricPointRead(BaseModel):
    """One month of a metric: `value` is a rate's percentage or a count; a rate has its
    numerator and denominator. A suppressed point, and a month without the figures the
    metric needs (or, for a rolling metric, without all twelve months), has no value."""

    month: date
    value: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool


class WorkforceMetricsRead(BaseModel):
    """Each metric of ingest section 7, one point per stored month."""

    leaver_rate: list[MetricPointRead]
    sickness_absence_rate: list[MetricPointRead]
    vacancy_rate: list[MetricPointRead]
    leavers: list[MetricPointRead]
    starters: list[MetricPointRead]
    stability_index_12m: list[MetricPointRead]
    leaver_rate_12m: list[MetricPointRead]


class WorkforceRead(BaseModel):
    team_id: uuid.UUID
    threshold: int = Field(
        description="Months whose headcount_start is below this are suppressed (QI_MIN_RESPONSES)."
    )
    months: list[WorkforceMonthRead]
    metrics: WorkforceMetricsRead
