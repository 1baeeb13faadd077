"""Creating, finding, changing and removing members, including erasure on request."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.orm import Session

from app.attendance.models import Attendance
from app.db import apply_changes, get_or_404
from app.equality.models import EqualityProfile
from app.errors import Conflict, InvalidInput
from app.members.models import Member
from app.members.schemas import MemberCreate
from app.memberships.models import Membership
from app.organisations.models import Organisation
from app.pagination import paginate
from app.teams.models import Team


def _check_organisation(session: Session, organisation_id: uuid.UUID) -> None:
    if session.get(Organisation, organisation_id) is None:
        raise InvalidInput.at(
            ("body", "organisation_id"), f"No organisation with id {organisation_id}."
        )


def _ensure_email_free(session: Session, email: str, owner: Member | None) -> None:
    existing = session.scalar(select(Member).where(Member.email == email))
    if existing is not None and existing is not owner:
        raise Conflict("Another member already has this email address.", slug="duplicate-email")


def create_member(session: Session, data: MemberCreate) -> Member:
    _check_organisation(session, data.organisation_id)
    _ensure_email_free(session, data.email, None)
    member = Member(**data.model_dump())
    session.add(member)
    session.flush()
    return member


def get_member(session: Session, member_id: uuid.UUID) -> Member:
    return get_or_404(session, Member, member_id, "member")


def list_members(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    organisation_id: uuid.UUID | None = None,
    email: str | None = None,
    name: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Member], str | None]:
    """A page of people; `name` matches any part of the name, ignoring case, with `%` and
    `_` taken literally."""
    statement = select(Member) if visible is None else select(Member).where(visible)
    if name is not None:
        statement = statement.where(Member.name.icontains(name, autoescape=True))
    if organisation_id is not None:
        statement = statement.where(Member.organisation_id == organisation_id)
    if email is not None:
        statement = statement.where(Member.email == email.lower())
    return paginate(
        session,
        statement,
        sort_key=Member.created_at,
        id_key=Member.id,
        limit=limit,
        cursor=cursor,
        list_name="members",
        filters={"organisation_id": organisation_id, "email": email, "name": name},
    )


def update_member(session: Session, member: Member, changes: dict[str, Any]) -> Member:
    if "organisation_id" in changes:
        _check_organisation(session, changes["organisation_id"])
    if "email" in changes:
        _ensure_email_free(session, changes["email"], member)
    apply_changes(member, changes)
    session.flush()
    return member


def has_history(session: Session, member_id: uuid.UUID) -> bool:
    """Whether the member appears in a team, a meeting register or as a coach."""
    return bool(
        session.scalar(
            select(
                exists().where(Membership.member_id == member_id)
                | exists().where(Attendance.member_id == member_id)
                | exists().where(Team.coach_id == member_id)
            )
        )
    )


def delete_member(session: Session, member: Member, *, erase: bool) -> None:
    """Delete a member without history; with `erase`, remove the person and every trace.

    Erasure (UK GDPR Article 17) keeps the teams' data points, which are team aggregates
    and name nobody. The member's equality profile goes with them either way.
    """
    if has_history(session, member.id):
        if not erase:
            raise Conflict(
                "The member has team or meeting history. Record leaving instead, or send"
                " ?erase=true to remove the person and their history (right to erasure).",
                slug="member-has-history",
            )
        session.execute(delete(Attendance).where(Attendance.member_id == member.id))
        session.execute(delete(Membership).where(Membership.member_id == member.id))
        session.execute(
            update(Team)
            .where(Team.coach_id == member.id)
            .values(coach_id=None, version=Team.version + 1)
        )
    session.execute(delete(EqualityProfile).where(EqualityProfile.member_id == member.id))
    session.delete(member)
    session.flush()
