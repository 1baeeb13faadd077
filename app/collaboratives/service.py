"""Creating, finding, changing and removing collaboratives."""

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.collaboratives.models import (
    FIRST_DAY,
    LAST_DAY,
    MAX_DURATION,
    Collaborative,
    CollaborativeStatus,
)
from app.collaboratives.schemas import CollaborativeCreate, CollaborativeUpdate
from app.db import apply_changes, delete_unless_referenced, get_or_404, lock
from app.errors import InvalidInput
from app.pagination import paginate


def check_dates(starts_on: date, ends_on: date, *, field: str = "ends_on") -> None:
    """A collaborative's dates lie in the calendar it allows, in order, at most ten years
    apart: checked on the whole state (a PATCH merged with the stored row), so any caller that
    creates or changes one, a request or a file, meets the same rule. `field` names the date
    the caller sent, so the problem points at their input."""
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise InvalidInput.at(("body", name), f"must lie between {FIRST_DAY} and {LAST_DAY}")
    if ends_on < starts_on:
        raise InvalidInput.at(("body", field), "ends_on must not be before starts_on")
    if ends_on - starts_on > MAX_DURATION:
        raise InvalidInput.at(("body", field), "a collaborative lasts at most ten years")


def create_collaborative(session: Session, data: CollaborativeCreate) -> Collaborative:
    check_dates(data.starts_on, data.ends_on)
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


def update_collaborative(
    session: Session,
    collaborative: Collaborative,
    patch: CollaborativeUpdate,
    teams_allow: Callable[[CollaborativeUpdate], None],
) -> Collaborative:
    """`teams_allow` checks the changes against the collaborative's teams (refusing with a
    Conflict): teams sit above collaboratives, so their rules are handed in
    (app.teams.service.check_collaborative_change), after the collaborative's own checks."""
    changes = patch.model_dump(exclude_unset=True)
    check_dates(
        changes.get("starts_on", collaborative.starts_on),
        changes.get("ends_on", collaborative.ends_on),
        field="ends_on" if "ends_on" in changes else "starts_on",
    )
    teams_allow(patch)
    apply_changes(collaborative, changes)
    session.flush()
    return collaborative


def delete_collaborative(session: Session, collaborative: Collaborative) -> None:
    delete_unless_referenced(
        session,
        collaborative,
        "The collaborative still has teams, measures, meetings or imports; remove them first.",
    )
