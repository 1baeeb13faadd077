"""Request and response bodies of the chart endpoints (the contract in spc-api.md)."""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.collaboratives.statuses import TeamStatus
from app.measures.models import ChartType as MeasureChart
from app.measures.models import Frequency
from app.rebases.schemas import MAX_REBASES, RebaseIn
from app.schemas import InputModel, JsonDate, Number, ReadModel, WholeNumber, text
from app.spc import (
    Assurance,
    ChartOptions,
    ChartType,
    Direction,
    PointType,
    SeriesPoint,
    SpecialCause,
    VariationIcon,
)

# Enough for forty years of weekly data; a bound on the work one request can ask for.
MAX_POINTS = 2_000


class ChartPointIn(InputModel):
    date: JsonDate
    value: Number | None = Field(
        default=None, description="XmR, run and C charts; null marks a missing value."
    )
    numerator: Number | None = Field(
        default=None, description="P and U charts (both null marks a missing value)."
    )
    denominator: Number | None = Field(default=None, description="P and U charts; > 0.")
    note: Annotated[str, text(1000, strip=False)] | None = Field(
        default=None, description="Drawn as a numbered annotation, as a stored point's note."
    )

    def as_series_point(self) -> SeriesPoint:
        return SeriesPoint(self.date, self.value, self.numerator, self.denominator)


class ChartRequest(InputModel):
    chart: ChartType = ChartType.XMR
    points: list[ChartPointIn] = Field(max_length=MAX_POINTS)
    improvement_direction: Direction = Direction.NEUTRAL
    target: Number | None = Field(default=None, description="In the plotted units.")
    rebases: list[RebaseIn] = Field(
        default_factory=list,
        max_length=MAX_REBASES,
        description="As `PUT .../rebases`: each starts a new period on one of the points' dates.",
    )
    title: Annotated[str, text(200)] | None = Field(
        default=None, description="The SVG's heading (default: the chart type)."
    )
    subtitle: Annotated[str, text(200)] | None = Field(
        default=None, description="A second line under the SVG's heading."
    )
    unit: Annotated[str, text(50)] | None = Field(
        default=None, description="The SVG's y-axis label, e.g. '%' or 'days'."
    )
    fix_after_n_points: Annotated[WholeNumber, Field(ge=12)] | None = None
    screen_outliers: bool = Field(default=True, strict=True)
    multiply: Annotated[Number, Field(gt=0)] = 1.0
    points_for_significance: Literal[6, 7] = 7

    def options(self) -> ChartOptions:
        return ChartOptions(
            chart=self.chart,
            improvement_direction=self.improvement_direction,
            target=self.target,
            rebase=tuple(rebase.starts_on for rebase in self.rebases),
            fix_after_n_points=self.fix_after_n_points,
            screen_outliers=self.screen_outliers,
            multiply=self.multiply,
            points_for_significance=self.points_for_significance,
        )


class RunsRead(ReadModel):
    n_useful: int | None
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool


class PeriodRead(ReadModel):
    period: int
    start: date
    n_points: int
    centre: float | None
    trial_limits: bool
    runs: RunsRead


class ChartPointRead(ReadModel):
    date: date
    value: float | None
    period: int
    centre: float | None
    lower_limit: float | None
    upper_limit: float | None
    lower_warning: float | None
    upper_warning: float | None
    special_cause: SpecialCause
    point_type: PointType


class Annotation(ReadModel):
    date: date
    note: str


class ChartRead(ReadModel):
    chart: ChartType
    points: list[ChartPointRead]
    periods: list[PeriodRead]
    variation_icon: VariationIcon | None = Field(description="Null only for an empty series.")
    assurance: Assurance | None
    warnings: list[str]


class RebaseNote(ReadModel):
    starts_on: date
    reason: str | None


class PostedChartRead(ChartRead):
    """A chart with what was written beside its points and why each period began."""

    annotations: list[Annotation] = Field(description="The points' notes, in date order.")
    rebases: list[RebaseNote] = Field(description="The period breaks, in date order.")


class SeriesChartRead(PostedChartRead):
    """A stored series' chart, with what the team wrote beside its points."""

    team_id: uuid.UUID
    measure_id: uuid.UUID
    measure_code: str
    measure_name: str
    unit: str | None
    target: float | None
    improvement_direction: Direction


class DashboardCell(ReadModel):
    team_id: uuid.UUID
    measure_id: uuid.UUID
    n_points: int
    latest_date: date | None
    latest_value: float | None
    variation_icon: VariationIcon | None
    assurance: Assurance | None


class DashboardTeam(ReadModel):
    id: uuid.UUID
    name: str
    status: TeamStatus


class DashboardMeasure(ReadModel):
    id: uuid.UUID
    code: str
    name: str
    unit: str | None
    improvement_direction: Direction
    chart: MeasureChart
    frequency: Frequency
    target: float | None


class DashboardRead(ReadModel):
    collaborative_id: uuid.UUID
    teams: list[DashboardTeam] = Field(
        description="Each team shown once, in the order of the cells: the selected, active and"
        " completed teams the caller reaches (admins every one; coaches and members the teams"
        " they coach or belong to; a trust's client its organisations' teams)."
    )
    measures: list[DashboardMeasure] = Field(
        description="Each shared measure of the collaborative once, with what a chart needs."
    )
    cells: list[DashboardCell] = Field(
        description="One per team and measure listed, team by team: join on `team_id` and"
        " `measure_id`."
    )
