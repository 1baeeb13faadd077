"""A team's change ideas and its driver diagram (workflow spec 2).

An idea's status is set by a person (PATCH) or by a finished PDSA cycle's decision
(`apply_decision`, called by the cycles service); whichever happened last stands. A team's
ideas and diagram change under the team's row lock, so a diagram PUT and an idea linked to a
driver it removes cannot cross."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.change_ideas.models import ChangeIdea, Driver, DriverDiagram, IdeaStatus
from app.change_ideas.schemas import (
    ChangeIdeaCreate,
    ChangeIdeaUpdate,
    DriverDiagramWrite,
)
from app.db import apply_changes, delete_unless_referenced, get_or_404, utc_now
from app.errors import FieldProblem, InvalidInput
from app.pagination import paginate
from app.teams.models import Team


def _check_driver(session: Session, team: Team, driver_id: uuid.UUID | None) -> None:
    """An idea hangs on a secondary driver of its own team's diagram (422 otherwise)."""
    if driver_id is None:
        return
    driver = session.get(Driver, driver_id)
    if driver is None or driver.team_id != team.id or driver.parent_id is None:
        raise InvalidInput.at(
            ("body", "driver_id"), f"No secondary driver {driver_id} in the team's diagram."
        )


def create_idea(session: Session, team: Team, data: ChangeIdeaCreate) -> ChangeIdea:
    _check_driver(session, team, data.driver_id)
    idea = ChangeIdea(
        team_id=team.id,
        **data.model_dump(exclude={"external_refs"}),
        external_refs=[ref.model_dump(mode="json") for ref in data.external_refs],
        status_changed_at=utc_now(),
    )
    session.add(idea)
    session.flush()
    return idea


def get_idea(session: Session, idea_id: uuid.UUID) -> ChangeIdea:
    return get_or_404(session, ChangeIdea, idea_id, "change idea")


def list_ideas(
    session: Session,
    team: Team,
    *,
    limit: int,
    cursor: str | None,
    status: IdeaStatus | None = None,
    shared: bool | None = None,
) -> tuple[list[ChangeIdea], str | None]:
    statement = select(ChangeIdea).where(ChangeIdea.team_id == team.id)
    if status is not None:
        statement = statement.where(ChangeIdea.status == status)
    if shared is not None:
        statement = statement.where(ChangeIdea.shared.is_(shared))
    return paginate(
        session,
        statement,
        sort_key=ChangeIdea.created_at,
        id_key=ChangeIdea.id,
        limit=limit,
        cursor=cursor,
        list_name="change-ideas",
        filters={"team_id": team.id, "status": status, "shared": shared},
    )


def update_idea(
    session: Session, team: Team, idea: ChangeIdea, patch: ChangeIdeaUpdate
) -> ChangeIdea:
    changes = patch.model_dump(exclude_unset=True)
    if "driver_id" in changes:
        _check_driver(session, team, patch.driver_id)
    if "external_refs" in changes:
        changes["external_refs"] = [
            ref.model_dump(mode="json") for ref in patch.external_refs or []
        ]
    if "status" in changes:
        idea.status_changed_at = utc_now()
    apply_changes(idea, changes)
    session.flush()
    return idea


def delete_idea(session: Session, idea: ChangeIdea) -> None:
    delete_unless_referenced(
        session, idea, "The idea has PDSA cycles; mark it abandoned instead, or remove them first."
    )


DECIDED = {
    "adopt": IdeaStatus.ADOPTED,
    "adapt": IdeaStatus.TESTING,
    "abandon": IdeaStatus.ABANDONED,
}


def apply_decision(idea: ChangeIdea, decision: str) -> None:
    """A cycle of the idea finished with `decision`: the idea's status follows it (spec 2)."""
    idea.status = DECIDED[decision]
    idea.status_changed_at = utc_now()


def start_testing(idea: ChangeIdea) -> None:
    """A cycle of a proposed idea has started: it is being tested."""
    if idea.status == IdeaStatus.PROPOSED:
        idea.status = IdeaStatus.TESTING
        idea.status_changed_at = utc_now()


# The driver diagram.


@dataclass(frozen=True)
class Diagram:
    team: Team
    stored: DriverDiagram | None
    primaries: list[Driver]
    secondaries: dict[uuid.UUID, list[Driver]]  # primary id -> its secondary drivers
    ideas: dict[uuid.UUID, list[uuid.UUID]]  # secondary driver id -> idea ids

    @property
    def aim(self) -> str | None:
        return self.stored.aim if self.stored is not None else None


def get_diagram(session: Session, team: Team) -> Diagram:
    """The team's diagram (empty when it has none), with the ideas on each driver."""
    stored = session.scalar(select(DriverDiagram).where(DriverDiagram.team_id == team.id))
    drivers: Sequence[Driver] = session.scalars(
        select(Driver).where(Driver.team_id == team.id).order_by(Driver.position, Driver.id)
    ).all()
    primaries = [driver for driver in drivers if driver.parent_id is None]
    secondaries: dict[uuid.UUID, list[Driver]] = {driver.id: [] for driver in primaries}
    for driver in drivers:
        if driver.parent_id is not None:
            secondaries[driver.parent_id].append(driver)
    ideas: dict[uuid.UUID, list[uuid.UUID]] = {}
    for idea_id, driver_id in session.execute(
        select(ChangeIdea.id, ChangeIdea.driver_id)
        .where(ChangeIdea.team_id == team.id, ChangeIdea.driver_id.is_not(None))
        .order_by(ChangeIdea.created_at, ChangeIdea.id)
    ):
        if driver_id is not None:  # filtered in the query; said again for the type checker
            ideas.setdefault(driver_id, []).append(idea_id)
    return Diagram(team, stored, primaries, secondaries, ideas)


def diagram_rows(diagram: Diagram) -> list[tuple[uuid.UUID, int]]:
    """What the diagram's ETag covers: its row's version (every PUT moves it)."""
    return [] if diagram.stored is None else [(diagram.stored.id, diagram.stored.version)]


def _check_ids(current: Diagram, data: DriverDiagramWrite) -> None:
    """Ids sent back are the team's own, each once, at the level it had (422 naming each)."""
    primary_ids = {driver.id for driver in current.primaries}
    secondary_ids = {d.id for drivers in current.secondaries.values() for d in drivers}
    seen: set[uuid.UUID] = set()
    problems = []
    for p, primary in enumerate(data.primary_drivers):
        at: tuple[str | int, ...] = ("body", "primary_drivers", p, "id")
        if primary.id is not None:
            if primary.id not in primary_ids or primary.id in seen:
                problems.append(FieldProblem(at, "not a primary driver of the team, or repeated"))
            seen.add(primary.id)
        for s, secondary in enumerate(primary.secondary_drivers):
            at = ("body", "primary_drivers", p, "secondary_drivers", s, "id")
            if secondary.id is not None:
                if secondary.id not in secondary_ids or secondary.id in seen:
                    problems.append(
                        FieldProblem(at, "not a secondary driver of the team, or repeated")
                    )
                seen.add(secondary.id)
    if problems:
        raise InvalidInput(problems[0].message, problems)


def replace_diagram(session: Session, team: Team, data: DriverDiagramWrite) -> Diagram:
    """The tree as sent: nodes sent with their id keep it (and their ideas), new ones are
    made, the rest go and their ideas keep no driver. Take the team's row lock first."""
    current = get_diagram(session, team)
    _check_ids(current, data)
    existing = {driver.id: driver for driver in current.primaries} | {
        d.id: d for drivers in current.secondaries.values() for d in drivers
    }
    kept: set[uuid.UUID] = set()
    for p, primary_in in enumerate(data.primary_drivers):
        primary = existing.get(primary_in.id) if primary_in.id else None
        if primary is None:
            primary = Driver(team_id=team.id, parent_id=None, title="", position=0)
            session.add(primary)
        primary.title, primary.position = primary_in.title, p
        session.flush()
        kept.add(primary.id)
        for s, secondary_in in enumerate(primary_in.secondary_drivers):
            secondary = existing.get(secondary_in.id) if secondary_in.id else None
            if secondary is None:
                secondary = Driver(team_id=team.id, title="", position=0)
                session.add(secondary)
            secondary.parent_id = primary.id
            secondary.title, secondary.position = secondary_in.title, s
            session.flush()
            kept.add(secondary.id)
    gone = [driver for ident, driver in existing.items() if ident not in kept]
    if gone:
        for idea in session.scalars(
            select(ChangeIdea).where(ChangeIdea.driver_id.in_([d.id for d in gone]))
        ):
            idea.driver_id = None
        # One statement for the lot: a removed primary takes its removed children with it
        # (ON DELETE CASCADE), and no kept child is under a removed primary any more.
        session.execute(delete(Driver).where(Driver.id.in_([d.id for d in gone])))
        session.flush()
    stored = current.stored or DriverDiagram(team_id=team.id)
    stored.aim = data.aim
    stored.updated_at = utc_now()  # the version moves even when only the tree changed
    session.add(stored)
    session.flush()
    return get_diagram(session, team)
