"""Joining, leaving and changing role in a team, under the size and lead rules."""

import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import today
from app.collaboratives.models import Collaborative
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.db import apply_changes
from app.errors import Conflict, InvalidInput, NotFound
from app.members.models import Member
from app.memberships.models import Membership, MembershipRole
from app.memberships.schemas import MembershipCreate, MembershipUpdate
from app.pagination import paginate

if TYPE_CHECKING:
    # Teams sit above memberships: a team is handed in, never looked up here.
    from app.teams.models import Team


def count_current_leads(session: Session, team_id: uuid.UUID) -> int:
    statement = select(func.count(Membership.id)).where(
        Membership.team_id == team_id,
        Membership.role == MembershipRole.LEAD,
        Membership.is_current_clause(),
    )
    return session.scalar(statement) or 0


def _current_lead(session: Session, team_id: uuid.UUID) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.role == MembershipRole.LEAD,
            Membership.is_current_clause(),
        )
    )


def _current_membership(
    session: Session, team_id: uuid.UUID, member_id: uuid.UUID
) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.member_id == member_id,
            Membership.is_current_clause(),
        )
    )


def _check_room(session: Session, team: "Team") -> None:
    size = session.get_one(Collaborative, team.collaborative_id).max_team_size
    current = session.scalar(
        select(func.count(Membership.id)).where(
            Membership.team_id == team.id, Membership.is_current_clause()
        )
    )
    if (current or 0) >= size:
        raise Conflict(
            f"The team already has its {size} current members; record someone leaving first.",
            slug="team-full",
        )


def _check_no_other_lead(session: Session, team: "Team", member_id: uuid.UUID) -> None:
    lead = _current_lead(session, team.id)
    if lead is not None and lead.member_id != member_id:
        raise Conflict(
            f"The team already has a lead (member {lead.member_id}); to hand over, PATCH the new"
            " lead's membership with role 'lead' and ?handover=true.",
            slug="second-lead",
        )


def _check_lead_not_lost(team: "Team", membership: Membership) -> None:
    if membership.role == MembershipRole.LEAD and team.status in PLACE_TAKING_STATUSES:
        raise Conflict(
            "A selected team must keep exactly one lead; hand over to a new lead first.",
            slug="team-lead-required",
        )


def check_dates(joined_on: date, left_on: date | None, *, field: str = "left_on") -> None:
    """A member leaves on or after the day they joined: checked on the whole state (a PATCH
    merged with the stored row). `field` names the date the caller sent."""
    if left_on is not None and left_on < joined_on:
        raise InvalidInput.at(("body", field), "left_on must not be before joined_on")


def _check_window(
    collaborative: Collaborative,
    joined_on: date | None,
    left_on: date | None,
    *,
    defaulted: bool = False,
) -> None:
    """Memberships lie within the collaborative's time: joining from a year before its start
    (recruitment) to its end, leaving up to a year after its end."""
    if joined_on is not None and not (
        collaborative.earliest_joining <= joined_on <= collaborative.ends_on
    ):
        message = (
            f"must lie between {collaborative.earliest_joining} and {collaborative.ends_on}"
            f" (the collaborative runs from {collaborative.starts_on} to {collaborative.ends_on})"
        )
        if defaulted:
            message = f"defaults to today, which is outside the collaborative; send it: {message}"
        raise InvalidInput.at(("body", "joined_on"), message)
    if left_on is not None and left_on > collaborative.latest_leaving:
        raise InvalidInput.at(
            ("body", "left_on"), f"must not be after {collaborative.latest_leaving}"
        )


def add_membership(session: Session, team: "Team", data: MembershipCreate) -> Membership:
    if session.get(Member, data.member_id) is None:
        raise InvalidInput.at(("body", "member_id"), f"No member with id {data.member_id}.")
    membership = Membership(
        team_id=team.id,
        member_id=data.member_id,
        role=data.role,
        joined_on=data.joined_on or today(),
        left_on=data.left_on,
    )
    check_dates(membership.joined_on, membership.left_on)
    collaborative = session.get_one(Collaborative, team.collaborative_id)
    _check_window(
        collaborative,
        membership.joined_on,
        membership.left_on,
        defaulted=data.joined_on is None,
    )
    if membership.is_current(today()):
        if _current_membership(session, team.id, data.member_id) is not None:
            raise Conflict(
                "The member is already a current member of this team.", slug="already-member"
            )
        _check_room(session, team)
        if data.role == MembershipRole.LEAD:
            _check_no_other_lead(session, team, data.member_id)
    session.add(membership)
    session.flush()
    return membership


def get_current_membership(session: Session, team: "Team", member_id: uuid.UUID) -> Membership:
    membership = _current_membership(session, team.id, member_id)
    if membership is None:
        raise NotFound(f"Member {member_id} is not a current member of team {team.id}.")
    return membership


def list_memberships(
    session: Session,
    team: "Team",
    *,
    limit: int,
    cursor: str | None,
    current: bool | None = None,
    role: MembershipRole | None = None,
) -> tuple[list[Membership], str | None]:
    statement = select(Membership).where(Membership.team_id == team.id)
    if current is True:
        statement = statement.where(Membership.is_current_clause())
    elif current is False:
        statement = statement.where(Membership.left_on <= today())
    if role is not None:
        statement = statement.where(Membership.role == role)
    return paginate(
        session,
        statement,
        sort_key=Membership.created_at,
        id_key=Membership.id,
        limit=limit,
        cursor=cursor,
        list_name="memberships",
        filters={"team_id": team.id, "current": current, "role": role},
    )


def update_membership(
    session: Session,
    team: "Team",
    membership: Membership,
    patch: MembershipUpdate,
    *,
    handover: bool = False,
) -> Membership:
    changes = patch.model_dump(exclude_unset=True)
    check_dates(
        changes.get("joined_on", membership.joined_on),
        changes.get("left_on", membership.left_on),
        field="left_on" if "left_on" in changes else "joined_on",
    )
    _check_window(
        session.get_one(Collaborative, team.collaborative_id),
        changes.get("joined_on"),
        changes.get("left_on"),
    )
    role = changes.get("role", membership.role)
    leaving = changes.get("left_on") is not None and changes["left_on"] <= today()
    if (role != MembershipRole.LEAD or leaving) and membership.role == MembershipRole.LEAD:
        _check_lead_not_lost(team, membership)
    if role == MembershipRole.LEAD and membership.role != MembershipRole.LEAD:
        previous = _current_lead(session, team.id)
        if previous is not None and handover:
            # Demote first so the team never has two leads, even inside the transaction.
            previous.role = MembershipRole.MEMBER
            session.flush()
        else:
            _check_no_other_lead(session, team, membership.member_id)
    apply_changes(membership, changes)
    session.flush()
    return membership


def end_membership(session: Session, team: "Team", membership: Membership) -> Membership:
    """Records that the member left today; the membership itself is kept as history."""
    _check_lead_not_lost(team, membership)
    membership.left_on = today()
    # Someone booked to join later who leaves now never joined: keep the dates in order.
    membership.joined_on = min(membership.joined_on, membership.left_on)
    session.flush()
    return membership
