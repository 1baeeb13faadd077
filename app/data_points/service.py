"""Reading a team's series for a measure, and writing or deleting batches of points
all-or-nothing."""

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import today
from app.collaboratives.models import Collaborative
from app.data_points.models import DataPoint
from app.data_points.schemas import DataPointDeletion, DataPointIn, ImportedPointIn
from app.db import with_retries
from app.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.measures.models import Frequency, Measure
from app.pagination import paginate
from app.rebases.models import Rebase
from app.spc import ChartType as SpcChart
from app.spc.validation import point_problems
from app.teams.models import Team

PERIOD_RULES = {
    Frequency.WEEKLY: "a weekly measure's period starts on a Monday",
    Frequency.MONTHLY: "a monthly measure's period starts on the 1st",
    Frequency.QUARTERLY: (
        "a quarterly measure's period starts on 1 January, 1 April, 1 July or 1 October"
    ),
}


def period_containing(frequency: Frequency, day: date) -> date:
    """The first day of the week, month or quarter that `day` falls in."""
    if frequency == Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    if frequency == Frequency.MONTHLY:
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def validate_batch(
    measure: Measure, points: Sequence[DataPointIn], window: tuple[date, date] | None = None
) -> None:
    """Raise InvalidInput naming every bad field of every point, or return if all are good.
    `window` is the first and last period_start allowed."""
    errors: list[FieldProblem] = []
    seen: set[object] = set()
    for index, point in enumerate(points):
        if window is not None and not window[0] <= point.period_start <= window[1]:
            errors.append(
                FieldProblem(
                    ("body", "points", index, "period_start"),
                    f"must lie between {window[0]} (the baseline) and {window[1]} (today)",
                )
            )
        if point.period_start in seen:
            errors.append(
                FieldProblem(
                    ("body", "points", index, "period_start"),
                    f"{point.period_start} appears more than once in this batch",
                )
            )
        seen.add(point.period_start)
        expected = period_containing(measure.frequency, point.period_start)
        if expected != point.period_start:
            # One point per period: a second date inside a period would chart it twice.
            errors.append(
                FieldProblem(
                    ("body", "points", index, "period_start"),
                    f"{PERIOD_RULES[Frequency(measure.frequency)]}: {expected}",
                )
            )
        if _is_suppressed(point):
            problems = [
                (field, "must be null on a suppressed point: it shows as a gap")
                for field in ("value", "numerator", "denominator")
                if getattr(point, field) is not None
            ]
        else:
            problems = point_problems(
                SpcChart(measure.chart.value),
                point.value,
                point.numerator,
                point.denominator,
                missing_allowed=False,
            )
        for field, message in problems:
            errors.append(FieldProblem(("body", "points", index, field), message))
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the batch; nothing was stored.", errors)


class BatchOutcome(NamedTuple):
    """What a batch did: its points as stored, by period, and how many of each kind."""

    items: list[DataPoint]
    created: int
    updated: int
    unchanged: int


def upsert_points(
    session: Session,
    team: Team,
    measure: Measure,
    points: Sequence[DataPointIn],
    *,
    overwrite: bool,
) -> BatchOutcome:
    """Write every point or none. A point that differs from the one stored for its period is
    a Conflict naming it, unless `overwrite`: a feed that only adds points, or sends them
    again, never changes what a team has recorded. An import passes ImportedPointIn, which
    may be suppressed (a gap: no numbers); a client's DataPointIn never is."""
    collaborative = session.get_one(Collaborative, team.collaborative_id)
    validate_batch(measure, points, (collaborative.baseline_start, today()))
    # In period order, whatever order they came in: two batches touching the same periods
    # take their row locks in the same order, so neither can wait for the other in a cycle.
    ordered = sorted(enumerate(points), key=lambda indexed: indexed[1].period_start)
    return with_retries(session, lambda: _write(session, team, measure, ordered, overwrite))


def _is_suppressed(point: DataPointIn) -> bool:
    return isinstance(point, ImportedPointIn) and point.suppressed


def _fields(point: DataPointIn) -> dict[str, Any]:
    """What the point stores besides its period; a client's point is never suppressed."""
    return point.model_dump(exclude={"period_start"}) | {"suppressed": _is_suppressed(point)}


def _write(
    session: Session,
    team: Team,
    measure: Measure,
    points: list[tuple[int, DataPointIn]],
    overwrite: bool,
) -> BatchOutcome:
    existing = {
        point.period_start: point
        for point in session.scalars(
            select(DataPoint).where(
                DataPoint.team_id == team.id,
                DataPoint.measure_id == measure.id,
                DataPoint.period_start.in_([point.period_start for _, point in points]),
            )
        )
    }
    changes = {
        index: changed
        for index, point in points
        if point.period_start in existing
        and (changed := _changed_fields(existing[point.period_start], point))
    }
    if changes and not overwrite:
        sent = dict(points)
        raise Conflict(
            f"{len(changes)} point(s) would change a point already stored; nothing was stored."
            " Send ?overwrite=true to replace them.",
            slug="point-exists",
            errors=[
                FieldProblem(
                    ("body", "points", index),
                    _difference(
                        sent[index].period_start, existing[sent[index].period_start], changed
                    ),
                )
                for index, changed in sorted(changes.items())
            ],
        )
    written: list[DataPoint] = []
    for index, point in points:
        stored = existing.get(point.period_start)
        if stored is None:
            stored = DataPoint(
                team_id=team.id,
                measure_id=measure.id,
                period_start=point.period_start,
                **_fields(point),
            )
            session.add(stored)
        sent_fields = _fields(point)
        for field in changes.get(index, []):
            setattr(stored, field, sent_fields[field])
        written.append(stored)
    session.flush()
    created = len(written) - len(existing)
    return BatchOutcome(written, created, len(changes), len(existing) - len(changes))


# What a point measures is always compared, an omitted number being null. Its note and
# source are compared only when sent: a feed that never sends notes must not be refused, or
# clear them, after a team wrote one beside its point.
KEPT_WHEN_OMITTED = frozenset({"note", "source"})


def _changed_fields(stored: DataPoint, point: DataPointIn) -> list[str]:
    """The fields whose sent value differs from the stored one."""
    sent = _fields(point)
    return [
        field
        for field, value in sent.items()
        if (field in point.model_fields_set or field not in KEPT_WHEN_OMITTED)
        and getattr(stored, field) != value
    ]


def _difference(period_start: date, stored: DataPoint, changed: list[str]) -> str:
    if stored.suppressed and "suppressed" in changed:
        # No number to differ from: the period is a gap an import left (too few to show).
        return f"the point for {period_start} is stored suppressed, with no number"
    return f"the point for {period_start} is stored with a different {', '.join(changed)}"


def list_points(
    session: Session,
    team: Team,
    measure: Measure,
    *,
    limit: int,
    cursor: str | None,
    period_start_from: date | None = None,
    period_start_to: date | None = None,
) -> tuple[list[DataPoint], str | None]:
    """One page of the series, from and to the given period starts (both inclusive)."""
    statement = select(DataPoint).where(
        DataPoint.team_id == team.id, DataPoint.measure_id == measure.id
    )
    if period_start_from is not None:
        statement = statement.where(DataPoint.period_start >= period_start_from)
    if period_start_to is not None:
        statement = statement.where(DataPoint.period_start <= period_start_to)
    return paginate(
        session,
        statement,
        sort_key=DataPoint.period_start,
        id_key=DataPoint.id,
        limit=limit,
        cursor=cursor,
        list_name="data-points",
        filters={
            "team_id": team.id,
            "measure_id": measure.id,
            "period_start_from": period_start_from,
            "period_start_to": period_start_to,
        },
    )


def delete_point(session: Session, team: Team, measure: Measure, period_start: date) -> None:
    """Delete the point starting `period_start`, or raise NotFound if there is none."""
    point = session.scalar(
        select(DataPoint).where(
            DataPoint.team_id == team.id,
            DataPoint.measure_id == measure.id,
            DataPoint.period_start == period_start,
        )
    )
    if point is None:
        raise NotFound(f"No data point of this series starts on {period_start}.")
    _refuse_if_rebase_left_behind(session, team, measure, {period_start})
    session.delete(point)
    session.flush()


def delete_points(
    session: Session, team: Team, measure: Measure, batch: DataPointDeletion
) -> list[date]:
    """Delete every listed point or none; the periods deleted, in order."""
    stored = {
        point.period_start: point
        for point in session.scalars(
            select(DataPoint).where(
                DataPoint.team_id == team.id,
                DataPoint.measure_id == measure.id,
                DataPoint.period_start.in_(batch.period_starts),
            )
        )
    }
    errors: list[FieldProblem] = []
    seen: set[date] = set()
    for index, period_start in enumerate(batch.period_starts):
        loc = ("body", "period_starts", index)
        if period_start in seen:
            errors.append(FieldProblem(loc, f"{period_start} appears more than once in this batch"))
        elif period_start not in stored:
            errors.append(FieldProblem(loc, "no data point of this series starts on this date"))
        seen.add(period_start)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the batch; nothing was deleted.", errors)
    _refuse_if_rebase_left_behind(session, team, measure, seen)
    for point in stored.values():
        session.delete(point)
    session.flush()
    return sorted(stored)


def _refuse_if_rebase_left_behind(
    session: Session, team: Team, measure: Measure, deleting: Collection[date]
) -> None:
    """A rebase must start on a stored point that is not the series' first: refuse a deletion
    that would break that rather than drop the rebase, which the team chose and may want."""
    rebases = list(
        session.scalars(
            select(Rebase.starts_on)
            .where(Rebase.team_id == team.id, Rebase.measure_id == measure.id)
            .order_by(Rebase.starts_on)
        )
    )
    if not rebases:
        return
    first_left = session.scalar(
        select(func.min(DataPoint.period_start)).where(
            DataPoint.team_id == team.id,
            DataPoint.measure_id == measure.id,
            DataPoint.period_start.not_in(deleting),
        )
    )
    for starts_on in rebases:
        if starts_on in deleting:
            problem = f"the rebase starting on {starts_on} starts on that point"
        elif starts_on == first_left:
            problem = f"the rebase starting on {starts_on} would start on the series' first point"
        else:
            continue
        raise Conflict(
            f"Cannot delete: {problem}. Remove that rebase first (PUT .../rebases).",
            slug="point-starts-rebase",
        )
