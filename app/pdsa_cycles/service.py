"""A team's PDSA cycles (workflow spec 3): numbering, the forward-only status, the change
idea's status following its finished cycles, the cycles' annotations on charts, and the
collaborative's change package.

Cycles are written under their team's row lock (the router takes it), so two new cycles of
one idea cannot take the same number and a cycle and its idea change together."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.change_ideas import service as ideas_service
from app.change_ideas.models import ChangeIdea, Driver
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.db import apply_changes, get_or_404
from app.errors import Conflict, InvalidInput
from app.measures.models import Measure
from app.pagination import paginate
from app.pdsa_cycles.models import (
    DECIDED_WORD,
    STATUS_ORDER,
    CycleStatus,
    Decision,
    PdsaCycle,
    pdsa_cycle_measures,
)
from app.pdsa_cycles.schemas import (
    ChangePackageRead,
    PackageGroup,
    PackageIdea,
    PdsaCycleCreate,
    PdsaCycleUpdate,
)
from app.teams.models import Team


def _measures(session: Session, team: Team, measure_ids: list[uuid.UUID]) -> list[Measure]:
    """The measures, each the team's own or shared by its collaborative (422 naming one)."""
    wanted = list(dict.fromkeys(measure_ids))
    found = {
        measure.id: measure
        for measure in session.scalars(select(Measure).where(Measure.id.in_(wanted)))
        if measure.team_id == team.id or measure.collaborative_id == team.collaborative_id
    }
    for index, measure_id in enumerate(measure_ids):
        if measure_id not in found:
            raise InvalidInput.at(
                ("body", "measure_ids", index), f"No measure {measure_id} of the team."
            )
    return [found[measure_id] for measure_id in wanted]


def _idea(session: Session, team: Team, idea_id: uuid.UUID) -> ChangeIdea:
    idea = session.get(ChangeIdea, idea_id)
    if idea is None or idea.team_id != team.id:
        raise InvalidInput.at(("body", "change_idea_id"), f"No change idea {idea_id} of the team.")
    return idea


def _check_dates(starts_on: date, ends_on: date | None, field: str) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput.at(("body", field), "ends_on must not be before starts_on")


def _check_done(status: CycleStatus, study: str | None, decision: Decision | None) -> None:
    if status == CycleStatus.DONE:
        missing = [name for name, value in (("study", study), ("decision", decision)) if not value]
        if missing:
            raise Conflict(
                f"A cycle is done once it has its {' and '.join(missing)}: record what the"
                " results showed against the prediction, and whether to adopt, adapt or"
                " abandon the change.",
                slug="cycle-incomplete",
            )


def _follow(idea: ChangeIdea, cycle: PdsaCycle) -> None:
    """The idea's status follows the cycle: testing once it runs, its decision once done."""
    if cycle.status == CycleStatus.DONE and cycle.decision is not None:
        ideas_service.apply_decision(idea, cycle.decision)
    elif cycle.status in (CycleStatus.DOING, CycleStatus.STUDYING):
        ideas_service.start_testing(idea)


def create_cycle(session: Session, team: Team, data: PdsaCycleCreate, *, on: date) -> PdsaCycle:
    """A new cycle of one of the team's ideas, numbered after the idea's last one; `on` is
    today (London), the day a decision given with it is recorded."""
    idea = _idea(session, team, data.change_idea_id)
    _check_dates(data.starts_on, data.ends_on, "ends_on")
    _check_done(data.status, data.study, data.decision)
    last = session.scalar(
        select(func.max(PdsaCycle.number)).where(PdsaCycle.change_idea_id == idea.id)
    )
    cycle = PdsaCycle(
        team_id=team.id,
        number=(last or 0) + 1,
        **data.model_dump(exclude={"measure_ids", "plan"}),
        plan=data.plan.model_dump(),
        measures=_measures(session, team, data.measure_ids),
        decided_on=on if data.decision is not None else None,
    )
    session.add(cycle)
    session.flush()
    _follow(idea, cycle)
    session.flush()
    return cycle


def get_cycle(session: Session, cycle_id: uuid.UUID) -> PdsaCycle:
    return get_or_404(session, PdsaCycle, cycle_id, "PDSA cycle")


def update_cycle(
    session: Session, team: Team, cycle: PdsaCycle, patch: PdsaCycleUpdate, *, on: date
) -> PdsaCycle:
    """Changes the fields sent, checked on the merged state: the status only forward, `done`
    with its study and decision, the dates in order. Finishing the cycle, or changing the
    decision of a finished one, sets its idea's status."""
    changes = patch.model_dump(exclude_unset=True, exclude={"measure_ids", "plan"})
    status = changes.get("status", cycle.status)
    if STATUS_ORDER[status] < STATUS_ORDER[cycle.status]:
        raise Conflict(
            f"A cycle's status only moves forward; it is `{cycle.status}`, so it cannot go back"
            f" to `{status}`.",
            slug="invalid-status-transition",
        )
    _check_dates(
        changes.get("starts_on", cycle.starts_on),
        changes.get("ends_on", cycle.ends_on),
        "ends_on" if "ends_on" in changes else "starts_on",
    )
    decision = changes.get("decision", cycle.decision)
    _check_done(status, changes.get("study", cycle.study), decision)
    before = (cycle.status, cycle.decision)
    if "measure_ids" in patch.model_fields_set:
        cycle.measures = _measures(session, team, patch.measure_ids or [])
    if "plan" in patch.model_fields_set and patch.plan is not None:
        cycle.plan = patch.plan.model_dump()
    if decision != cycle.decision:
        cycle.decided_on = on if decision is not None else None
    apply_changes(cycle, changes)
    session.flush()
    moved = cycle.status != before[0]
    redecided = cycle.status == CycleStatus.DONE and cycle.decision != before[1]
    if moved or redecided:
        _follow(session.get_one(ChangeIdea, cycle.change_idea_id), cycle)
        session.flush()
    return cycle


def delete_cycle(session: Session, cycle: PdsaCycle) -> None:
    """Removes the cycle; its idea keeps the status it has."""
    session.delete(cycle)
    session.flush()


def list_cycles(
    session: Session,
    team: Team,
    *,
    limit: int,
    cursor: str | None,
    change_idea_id: uuid.UUID | None = None,
    status: CycleStatus | None = None,
    measure_id: uuid.UUID | None = None,
) -> tuple[list[PdsaCycle], str | None]:
    """The team's cycles by start day."""
    statement = select(PdsaCycle).where(PdsaCycle.team_id == team.id)
    if change_idea_id is not None:
        statement = statement.where(PdsaCycle.change_idea_id == change_idea_id)
    if status is not None:
        statement = statement.where(PdsaCycle.status == status)
    if measure_id is not None:
        statement = statement.where(
            PdsaCycle.id.in_(
                select(pdsa_cycle_measures.c.pdsa_cycle_id).where(
                    pdsa_cycle_measures.c.measure_id == measure_id
                )
            )
        )
    return paginate(
        session,
        statement,
        sort_key=PdsaCycle.starts_on,
        id_key=PdsaCycle.id,
        limit=limit,
        cursor=cursor,
        list_name="pdsa-cycles",
        filters={
            "team_id": team.id,
            "change_idea_id": change_idea_id,
            "status": status,
            "measure_id": measure_id,
        },
    )


# On charts.


@dataclass(frozen=True)
class CycleMark:
    """A cycle's start or its decision, as a chart shows it."""

    date: date
    kind: str  # "pdsa_start" or "pdsa_decision"
    text: str
    cycle_id: uuid.UUID


def chart_marks(
    session: Session, team_id: uuid.UUID, measure_id: uuid.UUID, first: date, last: date
) -> list[CycleMark]:
    """The starts and decisions of the team's cycles linked to the measure whose start lies
    in [first, last], in date order: `PDSA <number>: <title>`, and `... adopted` (or adapted,
    abandoned) on the day of its decision."""
    cycles = session.scalars(
        select(PdsaCycle)
        .join(pdsa_cycle_measures, pdsa_cycle_measures.c.pdsa_cycle_id == PdsaCycle.id)
        .where(
            PdsaCycle.team_id == team_id,
            pdsa_cycle_measures.c.measure_id == measure_id,
            PdsaCycle.starts_on >= first,
            PdsaCycle.starts_on <= last,
        )
        .order_by(PdsaCycle.starts_on, PdsaCycle.number)
    ).all()
    marks = []
    for cycle in cycles:
        label = f"PDSA {cycle.number}: {cycle.title}"
        marks.append(CycleMark(cycle.starts_on, "pdsa_start", label, cycle.id))
        decided = cycle.decision_day
        if cycle.status == CycleStatus.DONE and cycle.decision is not None and decided:
            word = DECIDED_WORD[cycle.decision]
            marks.append(CycleMark(decided, "pdsa_decision", f"{label} {word}", cycle.id))
    return sorted(marks, key=lambda mark: (mark.date, mark.kind != "pdsa_start"))


# The change package.


@dataclass(frozen=True)
class PackagedIdea:
    idea: ChangeIdea
    team_name: str
    cycles: int
    latest_decision: Decision | None


def change_package(
    session: Session, collaborative_id: uuid.UUID
) -> list[tuple[str | None, list[PackagedIdea]]]:
    """The shared ideas of the collaborative's selected, active and completed teams, grouped by
    their driver's title (case-insensitive, spelt as for the group's earliest idea), then the
    ideas without one; each with how many cycles tested it and its latest finished cycle's
    decision."""
    rows = session.execute(
        select(ChangeIdea, Team.name, Driver.title)
        .join(Team, Team.id == ChangeIdea.team_id)
        .outerjoin(Driver, Driver.id == ChangeIdea.driver_id)
        .where(
            Team.collaborative_id == collaborative_id,
            Team.status.in_(PLACE_TAKING_STATUSES),
            ChangeIdea.shared.is_(True),
        )
        .order_by(Team.name, ChangeIdea.created_at, ChangeIdea.id)
    ).all()
    ideas = [idea for idea, _, _ in rows]
    counts, decisions = _cycle_outcomes(session, [idea.id for idea in ideas])
    groups: dict[str | None, list[PackagedIdea]] = {}
    # Each group is titled as its earliest idea's driver is spelt.
    spelling: dict[str, tuple[Any, str]] = {}
    for idea, team_name, driver in rows:
        key = driver.casefold() if driver else None
        if key is not None and (key not in spelling or idea.created_at < spelling[key][0]):
            spelling[key] = (idea.created_at, driver)
        entry = PackagedIdea(idea, team_name, counts.get(idea.id, 0), decisions.get(idea.id))
        groups.setdefault(key, []).append(entry)
    ordered: list[tuple[str | None, list[PackagedIdea]]] = [
        (spelling[key][1], groups[key]) for key in sorted(k for k in groups if k is not None)
    ]
    if None in groups:
        ordered.append((None, groups[None]))
    return ordered


def _cycle_outcomes(
    session: Session, idea_ids: Iterable[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, Decision]]:
    wanted = list(idea_ids)
    counts: dict[uuid.UUID, int] = {}
    decisions: dict[uuid.UUID, Decision] = {}
    if not wanted:
        return counts, decisions
    finished: dict[uuid.UUID, tuple[Any, ...]] = {}
    for cycle in session.scalars(select(PdsaCycle).where(PdsaCycle.change_idea_id.in_(wanted))):
        counts[cycle.change_idea_id] = counts.get(cycle.change_idea_id, 0) + 1
        if cycle.status == CycleStatus.DONE and cycle.decision is not None:
            order = (cycle.decision_day or cycle.starts_on, cycle.number)
            if cycle.change_idea_id not in finished or finished[cycle.change_idea_id] < order:
                finished[cycle.change_idea_id] = order
                decisions[cycle.change_idea_id] = cycle.decision
    return counts, decisions


def change_package_read(session: Session, collaborative_id: uuid.UUID) -> ChangePackageRead:
    """`change_package` as the API answers it."""
    return ChangePackageRead(
        collaborative_id=collaborative_id,
        groups=[
            PackageGroup(
                driver=driver,
                ideas=[
                    PackageIdea(
                        id=entry.idea.id,
                        team_id=entry.idea.team_id,
                        team_name=entry.team_name,
                        title=entry.idea.title,
                        description=entry.idea.description,
                        origin=entry.idea.origin,
                        status=entry.idea.status,
                        theme=entry.idea.theme,
                        needs_funding=entry.idea.needs_funding,
                        cycles=entry.cycles,
                        latest_decision=entry.latest_decision,
                    )
                    for entry in ideas
                ],
            )
            for driver, ideas in change_package(session, collaborative_id)
        ],
    )
