"""Charts of stored series: reading the points and the measure's settings, then the engine."""

import uuid
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.charts.schemas import (
    Annotation,
    AnnotationKind,
    ChartRequest,
    DashboardCell,
    DashboardMeasure,
    DashboardRead,
    DashboardTeam,
    RebaseNote,
)
from app.charts.svg import Labels, render_svg
from app.collaboratives.models import Collaborative
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.data_points.models import DataPoint
from app.errors import FieldProblem, InvalidInput, NotFound
from app.measures.models import ChartType as MeasureChart
from app.measures.models import Frequency, Measure
from app.pdsa_cycles import service as pdsa_service
from app.rebases.models import Rebase
from app.spc import (
    ChartOptions,
    ChartResult,
    ChartType,
    SeriesError,
    SeriesPoint,
    compute_chart,
    summarise_columns,
)
from app.teams.models import Team


def chart_or_invalid(body: ChartRequest) -> ChartResult:
    """Run the engine on a posted series; its input problems (the same checks as a stored
    point's, spc.validation.point_problems) become a 422 naming each body field."""
    points = [point.as_series_point() for point in body.points]
    try:
        return compute_chart(points, body.options())
    except SeriesError as error:
        raise InvalidInput(
            f"{len(error.problems)} problem(s) in the series.",
            [FieldProblem(("body", *loc), message) for loc, message in error.problems],
        ) from None


def posted_annotations(body: ChartRequest) -> list[Annotation]:
    """The posted points' notes in date order, as a stored series gives them."""
    noted = sorted((point.date, point.note) for point in body.points if point.note)
    return [Annotation(date=on, kind=AnnotationKind.NOTE, text=note) for on, note in noted]


def posted_rebases(body: ChartRequest) -> list[RebaseNote]:
    """The posted rebases in date order, as a stored series gives them."""
    rebases = sorted(body.rebases, key=lambda rebase: rebase.starts_on)
    return [RebaseNote(starts_on=r.starts_on, reason=r.reason) for r in rebases]


def options_for(measure: Measure, rebase: Sequence[date] = ()) -> ChartOptions:
    fraction = measure.chart in (MeasureChart.P, MeasureChart.U)
    return ChartOptions(
        chart=ChartType(measure.chart.value),
        improvement_direction=measure.improvement_direction,
        target=measure.target,
        rebase=tuple(rebase),
        multiply=measure.multiply if fraction else 1.0,
    )


def render(
    chart: ChartResult, heading: Labels, annotations: list[Annotation], rebases: list[RebaseNote]
) -> str:
    """The chart's SVG under `heading`, with its annotations as numbered markers (rebases are
    drawn as the breaks they are, with their reasons)."""
    labels = replace(
        heading,
        annotations=tuple((a.date, a.text) for a in annotations if a.kind != AnnotationKind.REBASE),
        rebases=tuple((r.starts_on, r.reason) for r in rebases),
    )
    return render_svg(chart, labels)


def period_end(start: date, frequency: Frequency) -> date:
    """The last day of the period that starts on `start`."""
    if frequency == Frequency.WEEKLY:
        return start + timedelta(days=6)
    months = 1 if frequency == Frequency.MONTHLY else 3
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def series_chart(
    session: Session, team: Team, measure: Measure
) -> tuple[ChartResult, list[Annotation], list[RebaseNote]]:
    rows = session.execute(
        select(
            DataPoint.period_start,
            DataPoint.value,
            DataPoint.numerator,
            DataPoint.denominator,
            DataPoint.note,
            DataPoint.suppressed,
        )
        .where(DataPoint.team_id == team.id, DataPoint.measure_id == measure.id)
        .order_by(DataPoint.period_start)
    ).all()
    if not rows:
        raise NotFound(f"Team {team.id} has no data for measure {measure.id} yet.", slug="no-data")
    rebases = [
        RebaseNote(starts_on=starts_on, reason=reason)
        for starts_on, reason in session.execute(
            select(Rebase.starts_on, Rebase.reason)
            .where(Rebase.team_id == team.id, Rebase.measure_id == measure.id)
            .order_by(Rebase.starts_on)
        )
    ]
    points = [SeriesPoint(on, value, num, den, gap) for on, value, num, den, _, gap in rows]
    notes = [
        Annotation(date=on, kind=AnnotationKind.NOTE, text=note)
        for on, _, _, _, note, _ in rows
        if note
    ]
    marks = [
        Annotation(
            date=mark.date,
            kind=AnnotationKind(mark.kind),
            text=mark.text,
            pdsa_cycle_id=mark.cycle_id,
        )
        for mark in pdsa_service.chart_marks(
            session, team.id, measure.id, rows[0][0], period_end(rows[-1][0], measure.frequency)
        )
    ]
    breaks = [
        Annotation(
            date=r.starts_on, kind=AnnotationKind.REBASE, text=r.reason or "Limits recalculated"
        )
        for r in rebases
    ]
    # Date order; on one day a note first, then what was tested, then a rebase.
    order = list(AnnotationKind)
    annotations = sorted(notes + marks + breaks, key=lambda a: (a.date, order.index(a.kind)))
    chart = compute_chart(points, options_for(measure, [r.starts_on for r in rebases]))
    return chart, annotations, rebases


def dashboard(
    session: Session, collaborative: Collaborative, reached: ColumnElement[bool] | None = None
) -> DashboardRead:
    """Every selected team x shared measure, in four queries whatever the number of series.
    `reached` narrows the teams to the caller's reach (app.reach.conditions.teams_condition); None
    shows them all.

    Only the last period of each series is charted: the icon and assurance depend on the
    last point, and every rule is evaluated within a period (spc-rules.md 2.2)."""
    statement = select(Team.id, Team.name, Team.status).where(
        Team.collaborative_id == collaborative.id,
        Team.status.in_(PLACE_TAKING_STATUSES),
    )
    if reached is not None:
        statement = statement.where(reached)
    teams = [
        DashboardTeam(id=team_id, name=name, status=status)
        for team_id, name, status in session.execute(statement.order_by(Team.created_at, Team.id))
    ]
    team_ids = [team.id for team in teams]
    measures = list(
        session.scalars(
            select(Measure)
            .where(Measure.collaborative_id == collaborative.id)
            .order_by(Measure.created_at, Measure.id)
        )
    )
    measure_ids = [measure.id for measure in measures]
    series = _read_series(session, team_ids, measure_ids) if teams and measures else {}
    last_rebase: dict[tuple[uuid.UUID, uuid.UUID], date] = {}
    if teams:
        for team_id, measure_id, starts_on in session.execute(
            select(Rebase.team_id, Rebase.measure_id, func.max(Rebase.starts_on))
            .where(Rebase.team_id.in_(team_ids))
            .group_by(Rebase.team_id, Rebase.measure_id)
        ):
            last_rebase[team_id, measure_id] = starts_on
    cells = [
        _cell(team_id, measure, series.get((team_id, measure.id)), last_rebase)
        for team_id in team_ids
        for measure in measures
    ]
    return DashboardRead(
        collaborative_id=collaborative.id,
        teams=teams,
        measures=[DashboardMeasure.model_validate(measure) for measure in measures],
        cells=cells,
    )


SeriesKey = tuple[uuid.UUID, uuid.UUID]


class Columns(NamedTuple):
    """One series as columns in date order, the shape the engine reads fastest."""

    dates: list[date]
    values: list[float | None]
    numerators: list[float | None]
    denominators: list[float | None]

    def since(self, first: date | None) -> "Columns":
        if first is None:
            return self
        start = bisect_left(self.dates, first)
        return Columns(
            self.dates[start:],
            self.values[start:],
            self.numerators[start:],
            self.denominators[start:],
        )


def _read_series(
    session: Session, teams: list[uuid.UUID], measures: list[uuid.UUID]
) -> dict[SeriesKey, Columns]:
    """Every point of these series in one query. PostgreSQL returns one row per series with
    its columns as arrays, which spares the client a quarter of a million rows on a large
    collaborative; other databases stream the rows in series order."""
    chosen = DataPoint.team_id.in_(teams) & DataPoint.measure_id.in_(measures)
    if session.get_bind().dialect.name == "postgresql":
        by_date = DataPoint.period_start
        statement = (
            select(
                DataPoint.team_id,
                DataPoint.measure_id,
                func.array_agg(aggregate_order_by(DataPoint.period_start, by_date)),
                func.array_agg(aggregate_order_by(DataPoint.value, by_date)),
                func.array_agg(aggregate_order_by(DataPoint.numerator, by_date)),
                func.array_agg(aggregate_order_by(DataPoint.denominator, by_date)),
            )
            .where(chosen)
            .group_by(DataPoint.team_id, DataPoint.measure_id)
        )
        return {
            # psycopg hands each array back as a list.
            (team_id, measure_id): Columns(
                list(dates), list(values), list(numerators), list(denominators)
            )
            for team_id, measure_id, dates, values, numerators, denominators in session.execute(
                statement
            )
        }
    # The ids come back as stored and become UUIDs once a series, not twice a row (which was
    # most of the dashboard's time on SQLite).
    series: dict[SeriesKey, Columns] = {}
    by_stored_id: dict[tuple[str, str], Columns] = {}
    rows = session.execute(
        select(
            type_coerce(DataPoint.team_id, String),
            type_coerce(DataPoint.measure_id, String),
            DataPoint.period_start,
            DataPoint.value,
            DataPoint.numerator,
            DataPoint.denominator,
        )
        .where(chosen)
        .order_by(DataPoint.team_id, DataPoint.measure_id, DataPoint.period_start)
    )
    for team_id, measure_id, on, value, numerator, denominator in rows:
        columns = by_stored_id.get((team_id, measure_id))
        if columns is None:
            columns = by_stored_id[team_id, measure_id] = Columns([], [], [], [])
            series[uuid.UUID(team_id), uuid.UUID(measure_id)] = columns
        columns.dates.append(on)
        columns.values.append(value)
        columns.numerators.append(numerator)
        columns.denominators.append(denominator)
    return series


def _cell(
    team_id: uuid.UUID,
    measure: Measure,
    columns: Columns | None,
    last_rebase: dict[SeriesKey, date],
) -> DashboardCell:
    if columns is None:
        return DashboardCell(
            team_id=team_id,
            measure_id=measure.id,
            n_points=0,
            latest_date=None,
            latest_value=None,
            variation_icon=None,
            assurance=None,
        )
    last_period = columns.since(last_rebase.get((team_id, measure.id)))
    summary = summarise_columns(*last_period, options_for(measure))
    return DashboardCell(
        team_id=team_id,
        measure_id=measure.id,
        n_points=len(columns.dates),
        latest_date=summary.latest_date,
        latest_value=summary.latest_value,
        variation_icon=summary.variation_icon,
        assurance=summary.assurance,
    )
