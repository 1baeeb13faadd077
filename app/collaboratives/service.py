"""Creating, finding, changing and removing collaboratives."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.collaboratives.models import Collaborative, CollaborativeStatus
from app.collaboratives.schemas import CollaborativeCreate, check_dates
from app.db import apply_changes, delete_unless_referenced, get_or_404, lock
from app.errors import Conflict
from app.memberships.models import Membership
from app.pagination import paginate
from app.teams.models import PLACE_TAKING_STATUSES, Team, TeamStatus
from app.teams.statuses import ALLOWED_IN, names


def create_collaborative(session: Session, data: CollaborativeCreate) -> Collaborative:
    collaborative = Collaborative(**data.model_dump())
    session.add(collaborative)
    session.flush()
    return collaborative


def get_collaborative(session: Session, collaborative_id: uuid.UUID) -> Collaborative:
    return get_or_404(session, Collaborative, collaborative_id, "collaborative")


def lock_rules(session: Session, collaborative_id: uuid.UUID) -> Collaborative:
    """Take the collaborative's rule lock (its row) until the transaction ends.

    Every change that could break a rule spanning rows of one collaborative (team sizes, one
    lead per team, the places) takes this lock before it checks, so such changes run one at
    a time per collaborative and each check sees what the one before committed. It is the
    first lock any such change takes, so two of them can never deadlock."""
    return lock(session, Collaborative, collaborative_id)


def get_collaborative_for_change(session: Session, collaborative_id: uuid.UUID) -> Collaborative:
    """The collaborative, read afresh under its rule lock: check If-Match after this."""
    get_collaborative(session, collaborative_id)
    return lock_rules(session, collaborative_id)


def list_collaboratives(
    session: Session, *, limit: int, cursor: str | None, status: CollaborativeStatus | None = None
) -> tuple[list[Collaborative], str | None]:
    statement = select(Collaborative)
    if status is not None:
        statement = statement.where(Collaborative.status == status)
    return paginate(
        session,
        statement,
        sort_key=Collaborative.created_at,
        id_key=Collaborative.id,
        limit=limit,
        cursor=cursor,
        list_name="collaboratives",
        filters={"status": status},
    )


def count_place_taking_teams(session: Session, collaborative_id: uuid.UUID) -> int:
    statement = select(func.count(Team.id)).where(
        Team.collaborative_id == collaborative_id, Team.status.in_(PLACE_TAKING_STATUSES)
    )
    return session.scalar(statement) or 0


def largest_current_team(session: Session, collaborative_id: uuid.UUID) -> int:
    """The most current members any team of the collaborative has (one query)."""
    sizes = (
        select(func.count(Membership.id).label("size"))
        .join(Team, Team.id == Membership.team_id)
        .where(Team.collaborative_id == collaborative_id, Membership.is_current_clause())
        .group_by(Membership.team_id)
        .subquery()
    )
    return session.scalar(select(func.max(sizes.c.size))) or 0


def update_collaborative(
    session: Session, collaborative: Collaborative, changes: dict[str, Any]
) -> Collaborative:
    check_dates(
        changes.get("starts_on", collaborative.starts_on),
        changes.get("ends_on", collaborative.ends_on),
        field="ends_on" if "ends_on" in changes else "starts_on",
    )
    if "max_team_size" in changes:
        largest = largest_current_team(session, collaborative.id)
        if changes["max_team_size"] < largest:
            raise Conflict(
                f"A team already has {largest} current members; max_team_size cannot go"
                " below that.",
                slug="max-team-size",
            )
    if "max_teams" in changes:
        taken = count_place_taking_teams(session, collaborative.id)
        if changes["max_teams"] < taken:
            raise Conflict(
                f"{taken} teams are already selected; max_teams cannot go below that.",
                slug="max-teams",
            )
    if "status" in changes and changes["status"] != collaborative.status:
        _check_teams_allow(session, collaborative, changes["status"])
    apply_changes(collaborative, changes)
    session.flush()
    return collaborative


def _check_teams_allow(
    session: Session, collaborative: Collaborative, status: CollaborativeStatus
) -> None:
    """Every team's status must be one the new collaborative status allows (the caller holds
    the rule lock, so no team changes status meanwhile)."""
    allowed = ALLOWED_IN[status]
    statement = (
        select(Team.status, func.count(Team.id))
        .where(Team.collaborative_id == collaborative.id, Team.status.not_in(allowed))
        .group_by(Team.status)
    )
    counts: dict[TeamStatus, int] = dict(session.execute(statement).all())
    if counts:
        teams = ", ".join(
            f"{counts[s]} {'team is' if counts[s] == 1 else 'teams are'} `{s}`"
            for s in TeamStatus
            if s in counts
        )
        raise Conflict(
            f"The collaborative cannot become `{status}`: {teams}; while it is `{status}` its"
            f" teams may only be {names(allowed)}. Change those teams first.",
            slug="team-statuses",
        )


def delete_collaborative(session: Session, collaborative: Collaborative) -> None:
    delete_unless_referenced(
        session,
        collaborative,
        "The collaborative still has teams, measures or meetings; remove them first.",
    )
