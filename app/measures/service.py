"""Creating, finding, changing and removing measure definitions."""

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.collaboratives.models import Collaborative
from app.db import apply_changes, delete_unless_referenced, get_or_404
from app.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.measures.models import CODE_TAKEN, ChartType, Measure, MeasureKind
from app.measures.schemas import MeasureCreate, MeasureUpdate
from app.pagination import paginate
from app.teams.models import Team


def check_one_owner(collaborative_id: uuid.UUID | None, team_id: uuid.UUID | None) -> None:
    """A measure is shared by a collaborative or a team's own, never both or neither (the
    database's `one_owner` check holds it too; this names the fields)."""
    if (collaborative_id is None) == (team_id is None):
        message = "Set exactly one of collaborative_id (shared measure) or team_id."
        raise InvalidInput(
            message,
            [
                FieldProblem(("body", "collaborative_id"), message),
                FieldProblem(("body", "team_id"), message),
            ],
        )


def _ensure_code_free(session: Session, measure: Measure, code: str) -> None:
    owner = (
        Measure.collaborative_id == measure.collaborative_id
        if measure.collaborative_id is not None
        else Measure.team_id == measure.team_id
    )
    existing = session.scalar(select(Measure).where(owner, Measure.code == code))
    if existing is not None and existing is not measure:
        raise CODE_TAKEN.error()


def create_measure(session: Session, data: MeasureCreate) -> Measure:
    check_one_owner(data.collaborative_id, data.team_id)
    if (
        data.collaborative_id is not None
        and session.get(Collaborative, data.collaborative_id) is None
    ):
        raise InvalidInput.at(
            ("body", "collaborative_id"), f"No collaborative with id {data.collaborative_id}."
        )
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise InvalidInput.at(("body", "team_id"), f"No team with id {data.team_id}.")
    measure = Measure(**data.model_dump())
    _ensure_code_free(session, measure, measure.code)
    session.add(measure)
    session.flush()
    return measure


def get_measure(session: Session, measure_id: uuid.UUID) -> Measure:
    return get_or_404(session, Measure, measure_id, "measure")


def owning_team(session: Session, team_id: uuid.UUID) -> Team | None:
    """The team a team's own measure belongs to (None if it does not exist)."""
    return session.get(Team, team_id)


def get_team_measure(session: Session, team: Team, measure_id: uuid.UUID) -> Measure:
    """A measure the team records: one shared by its collaborative, or its own."""
    measure = session.get(Measure, measure_id)
    if measure is None or not (
        measure.team_id == team.id or measure.collaborative_id == team.collaborative_id
    ):
        raise NotFound(f"Team {team.id} has no measure with id {measure_id}.")
    return measure


def list_measures(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    collaborative_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    kind: MeasureKind | None = None,
    code: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Measure], str | None]:
    """Measures; with `team_id`, the team's own measures and those its collaborative shares."""
    statement = select(Measure) if visible is None else select(Measure).where(visible)
    if collaborative_id is not None:
        statement = statement.where(Measure.collaborative_id == collaborative_id)
    if team_id is not None:
        shared = select(Team.collaborative_id).where(Team.id == team_id).scalar_subquery()
        statement = statement.where(
            or_(Measure.team_id == team_id, Measure.collaborative_id == shared)
        )
    if kind is not None:
        statement = statement.where(Measure.kind == kind)
    if code is not None:
        statement = statement.where(Measure.code == code.upper())
    return paginate(
        session,
        statement,
        sort_key=Measure.created_at,
        id_key=Measure.id,
        limit=limit,
        cursor=cursor,
        list_name="measures",
        filters={
            "collaborative_id": collaborative_id,
            "team_id": team_id,
            "kind": kind,
            "code": code,
        },
    )


def _has_data(session: Session, measure: Measure) -> bool:
    return bool(session.scalar(select(Measure.data_points.any()).where(Measure.id == measure.id)))


def update_measure(session: Session, measure: Measure, patch: MeasureUpdate) -> Measure:
    changes = patch.model_dump(exclude_unset=True)
    if "code" in changes:
        _ensure_code_free(session, measure, changes["code"])
    new_chart: ChartType = changes.get("chart", measure.chart)
    if new_chart != measure.chart and _has_data(session, measure):
        # Points hold a value or a numerator/denominator according to the chart type.
        raise Conflict(
            "The measure has data points, so its chart type can no longer change.",
            slug="measure-has-data",
        )
    apply_changes(measure, changes)
    session.flush()
    return measure


def delete_measure(session: Session, measure: Measure) -> None:
    delete_unless_referenced(
        session, measure, "Teams have recorded data for this measure; delete their data first."
    )
