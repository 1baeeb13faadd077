"""Charts of stored series: reading the points and the measure's settings, then the engine."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.charts.schemas import Annotation, DashboardCell, DashboardRead
from app.collaboratives.models import Collaborative
from app.data_points.models import DataPoint
from app.errors import FieldProblem, InvalidInput, NotFound
from app.measures.models import ChartType as MeasureChart
from app.measures.models import Measure
from app.rebases.models import Rebase
from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    Direction,
    SeriesError,
    SeriesPoint,
    compute_chart,
)
from app.teams.models import PLACE_TAKING_STATUSES, Team


def chart_or_invalid(points: Sequence[SeriesPoint], options: ChartOptions) -> ChartResult:
    """Run the engine; its input problems become a 422 naming each body field."""
    try:
        return compute_chart(points, options)
    except SeriesError as error:
        raise InvalidInput(
            f"{len(error.problems)} problem(s) in the series.",
            [FieldProblem(("body", *loc), message) for loc, message in error.problems],
        ) from None


def options_for(measure: Measure, rebase: Sequence[date] = ()) -> ChartOptions:
    fraction = measure.chart in (MeasureChart.P, MeasureChart.U)
    return ChartOptions(
        chart=ChartType(measure.chart.value),
        improvement_direction=Direction(measure.improvement_direction.value),
        target=measure.target,
        rebase=tuple(rebase),
        multiply=measure.multiply if fraction else 1.0,
    )


def _point(
    value: float | None, numerator: float | None, denominator: float | None, on: date
) -> SeriesPoint:
    return SeriesPoint(on, value, numerator, denominator)


def series_chart(
    session: Session, team: Team, measure: Measure
) -> tuple[ChartResult, list[Annotation]]:
    rows = session.execute(
        select(
            DataPoint.period_start,
            DataPoint.value,
            DataPoint.numerator,
            DataPoint.denominator,
            DataPoint.note,
        )
        .where(DataPoint.team_id == team.id, DataPoint.measure_id == measure.id)
        .order_by(DataPoint.period_start)
    ).all()
    if not rows:
        raise NotFound(f"Team {team.id} has no data for measure {measure.id} yet.", slug="no-data")
    rebase = session.scalars(
        select(Rebase.starts_on)
        .where(Rebase.team_id == team.id, Rebase.measure_id == measure.id)
        .order_by(Rebase.starts_on)
    ).all()
    points = [_point(value, num, den, on) for on, value, num, den, _ in rows]
    annotations = [Annotation(date=on, note=note) for on, *_, note in rows if note]
    return compute_chart(points, options_for(measure, rebase)), annotations


def dashboard(session: Session, collaborative: Collaborative) -> DashboardRead:
    """Every selected team x shared measure, in four queries whatever the number of series.

    Only the last period of each series is charted: the icon and assurance depend on the
    last point, and every rule is evaluated within a period (spc-rules.md 2.2)."""
    teams = session.scalars(
        select(Team.id)
        .where(Team.collaborative_id == collaborative.id, Team.status.in_(PLACE_TAKING_STATUSES))
        .order_by(Team.created_at, Team.id)
    ).all()
    measures = session.scalars(
        select(Measure)
        .where(Measure.collaborative_id == collaborative.id)
        .order_by(Measure.created_at, Measure.id)
    ).all()
    series: dict[tuple[uuid.UUID, uuid.UUID], list[SeriesPoint]] = defaultdict(list)
    if teams and measures:
        rows = session.execute(
            select(
                DataPoint.team_id,
                DataPoint.measure_id,
                DataPoint.period_start,
                DataPoint.value,
                DataPoint.numerator,
                DataPoint.denominator,
            )
            .where(
                DataPoint.team_id.in_(teams),
                DataPoint.measure_id.in_([measure.id for measure in measures]),
            )
            .order_by(DataPoint.team_id, DataPoint.measure_id, DataPoint.period_start)
        )
        for team_id, measure_id, on, value, num, den in rows:
            series[team_id, measure_id].append(SeriesPoint(on, value, num, den))
    last_rebase: dict[tuple[uuid.UUID, uuid.UUID], date] = {}
    for team_id, measure_id, starts_on in session.execute(
        select(Rebase.team_id, Rebase.measure_id, Rebase.starts_on).where(Rebase.team_id.in_(teams))
    ):
        key = (team_id, measure_id)
        last_rebase[key] = max(starts_on, last_rebase.get(key, starts_on))
    cells = []
    for team_id in teams:
        for measure in measures:
            cells.append(
                _cell(
                    team_id,
                    measure,
                    series.get((team_id, measure.id), []),
                    last_rebase.get((team_id, measure.id)),
                )
            )
    return DashboardRead(
        collaborative_id=collaborative.id,
        teams=list(teams),
        measures=[measure.id for measure in measures],
        cells=cells,
    )


def _cell(
    team_id: uuid.UUID, measure: Measure, points: list[SeriesPoint], rebased_on: date | None
) -> DashboardCell:
    if not points:
        return DashboardCell(
            team_id=team_id,
            measure_id=measure.id,
            n_points=0,
            latest_date=None,
            latest_value=None,
            variation_icon=None,
            assurance=None,
        )
    last_period = [p for p in points if rebased_on is None or p.date >= rebased_on]
    chart = compute_chart(last_period, options_for(measure))
    latest = chart.points[-1]
    return DashboardCell(
        team_id=team_id,
        measure_id=measure.id,
        n_points=len(points),
        latest_date=latest.date,
        latest_value=latest.value,
        variation_icon=chart.variation_icon,
        assurance=chart.assurance,
    )
