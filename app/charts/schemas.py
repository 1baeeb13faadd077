"""Request and response bodies of the chart endpoints (the contract in spc-api.md)."""

import uuid
from dataclasses import fields
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal, get_type_hints

from pydantic import Field

from app.collaboratives.statuses import TeamStatus
from app.measures.models import ChartType as MeasureChart
from app.measures.models import Frequency
from app.rebases.schemas import MAX_REBASES, RebaseIn
from app.schemas import InputModel, JsonDate, Number, ReadModel, WholeNumber, text
from app.spc import (
    Assurance,
    ChartOptions,
    ChartResult,
    ChartType,
    Direction,
    PeriodResult,
    PointResult,
    RunsAnalysis,
    SeriesPoint,
    VariationIcon,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

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
    suppressed: bool = Field(
        default=False,
        strict=True,
        description="Too few people behind the point to show it (as a stored point an import"
        " suppressed): its value, numerator and denominator must be null, and it is charted"
        " as a gap and counted in the chart's warnings.",
    )

    def as_series_point(self) -> SeriesPoint:
        return SeriesPoint(self.date, self.value, self.numerator, self.denominator, self.suppressed)


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


def result_fields(result: type["DataclassInstance"], **read_as: object) -> dict[str, object]:
    """An engine result's fields, in its order and with its types, to assign as a read model's
    `__annotations__` (where pydantic finds a model's fields), so the engine's dataclass stays
    the one list of what a chart returns. `read_as` gives the fields read as another type (a
    nested result as its own read model). Type checkers do not see these fields, which is no
    loss: the chart models are only built by `model_validate`."""
    hints = get_type_hints(result)
    names = [field.name for field in fields(result)]
    if unknown := set(read_as) - set(names):
        raise TypeError(f"{result.__name__} has no field {', '.join(sorted(unknown))}")
    return {name: read_as.get(name, hints[name]) for name in names}


class RunsRead(ReadModel):
    __annotations__ = result_fields(RunsAnalysis)


class PeriodRead(ReadModel):
    __annotations__ = result_fields(PeriodResult, runs=RunsRead)


class ChartPointRead(ReadModel):
    __annotations__ = result_fields(PointResult)
    suppressed = Field(
        description="A gap for disclosure's sake (ingest spec 5.4): `value` is null and the"
        " point counts toward no limit, rule or run, as a missing value."
    )


class AnnotationKind(StrEnum):
    NOTE = "note"
    PDSA_START = "pdsa_start"
    PDSA_DECISION = "pdsa_decision"
    REBASE = "rebase"


class Annotation(ReadModel):
    date: Annotated[
        date,
        Field(
            description="A point's date, a cycle's start, its decision's day, or a rebase's"
            " start; drawn on the point whose period holds it."
        ),
    ]
    kind: AnnotationKind
    text: str = Field(
        description="The point's note; `PDSA <number>: <title>` for a cycle's start, and with"
        " `adopted`, `adapted` or `abandoned` after it for its decision; a rebase's reason."
    )
    pdsa_cycle_id: uuid.UUID | None = Field(
        default=None, description="The cycle, on the PDSA kinds only."
    )


class ChartRead(ReadModel):
    __annotations__ = result_fields(
        ChartResult, points=list[ChartPointRead], periods=list[PeriodRead]
    )
    variation_icon = Field(description="Null only for an empty series.")


class RebaseNote(ReadModel):
    starts_on: date
    reason: str | None


class PostedChartRead(ChartRead):
    """A chart with what was written beside its points and why each period began."""

    annotations: list[Annotation] = Field(
        description="In date order: the points' notes and, on a stored series, the team's"
        " rebases and the starts and decisions of the PDSA cycles watching the measure."
    )
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
