"""Reading and replacing the rebase dates of a team's series."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.data_points.models import DataPoint
from app.errors import FieldProblem, InvalidInput
from app.measures.models import Measure
from app.rebases.models import Rebase
from app.rebases.schemas import RebaseList
from app.teams.models import Team


def list_rebases(session: Session, team: Team, measure: Measure) -> list[Rebase]:
    statement = (
        select(Rebase)
        .where(Rebase.team_id == team.id, Rebase.measure_id == measure.id)
        .order_by(Rebase.starts_on)
    )
    return list(session.scalars(statement))


def rebase_versions(session: Session, team: Team, measure: Measure) -> list[tuple[uuid.UUID, int]]:
    """(id, version) of every rebase of the series: what its list's ETag is made of."""
    rows = session.execute(
        select(Rebase.id, Rebase.version).where(
            Rebase.team_id == team.id, Rebase.measure_id == measure.id
        )
    )
    return [(row.id, row.version) for row in rows]


def replace_rebases(
    session: Session, team: Team, measure: Measure, data: RebaseList
) -> list[Rebase]:
    """Each date must start on a stored point and not be the series' first (it has nothing
    before it to break from); all problems are reported together and nothing is stored."""
    periods = list(
        session.scalars(
            select(DataPoint.period_start)
            .where(DataPoint.team_id == team.id, DataPoint.measure_id == measure.id)
            .order_by(DataPoint.period_start)
        )
    )
    known = set(periods)
    errors: list[FieldProblem] = []
    seen: set[object] = set()
    for index, entry in enumerate(data.rebases):
        loc = ("body", "rebases", index, "starts_on")
        if entry.starts_on in seen:
            errors.append(FieldProblem(loc, "this date is listed more than once"))
        elif entry.starts_on not in known:
            errors.append(FieldProblem(loc, "no data point of this series starts on this date"))
        elif entry.starts_on == periods[0]:
            errors.append(FieldProblem(loc, "the first point already starts the first period"))
        seen.add(entry.starts_on)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the rebase list.", errors)
    session.execute(
        delete(Rebase).where(Rebase.team_id == team.id, Rebase.measure_id == measure.id)
    )
    rows = [
        Rebase(
            team_id=team.id, measure_id=measure.id, starts_on=entry.starts_on, reason=entry.reason
        )
        for entry in data.rebases
    ]
    session.add_all(rows)
    session.flush()
    return sorted(rows, key=lambda row: row.starts_on)
