"""Removing a person: a member without history, or on request every trace of them.

Above members, accounts, memberships, teams, attendance and equality, whose rows name a
person, so that none of those packages needs to know the others."""

import uuid

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.applications.models import ApplicationMember
from app.attendance.models import Attendance
from app.equality.models import EqualityProfile
from app.errors import Conflict
from app.members.models import Member
from app.memberships.models import Membership
from app.teams.models import Team


def has_history(session: Session, member_id: uuid.UUID) -> bool:
    """Whether the member appears in a team, a meeting register, as a coach or in an
    application's proposed team."""
    return bool(
        session.scalar(
            select(
                exists().where(Membership.member_id == member_id)
                | exists().where(Attendance.member_id == member_id)
                | exists().where(Team.coach_id == member_id)
                | exists().where(ApplicationMember.member_id == member_id)
            )
        )
    )


def delete_member(session: Session, member: Member, *, erase: bool) -> int:
    """Delete a member without history or account; with `erase`, remove the person and every
    trace, their accounts included, and return how many accounts went.

    Erasure (UK GDPR Article 17) keeps the teams' data points, which are team aggregates
    and name nobody. The member's equality profile goes with them either way.
    """
    accounts = 0
    if erase:
        accounts = accounts_service.delete_accounts_of_member(session, member.id)
    elif accounts_service.account_of_member(session, member.id) is not None:
        raise Conflict(
            "The member has an account. Delete the account first, or send ?erase=true to"
            " remove the person and everything about them (right to erasure).",
            slug="member-has-account",
        )
    if has_history(session, member.id):
        if not erase:
            raise Conflict(
                "The member has team or meeting history. Record leaving instead, or send"
                " ?erase=true to remove the person and their history (right to erasure).",
                slug="member-has-history",
            )
        session.execute(delete(Attendance).where(Attendance.member_id == member.id))
        session.execute(delete(Membership).where(Membership.member_id == member.id))
        # The application stays (the panel's record); the person is no longer named in it.
        session.execute(delete(ApplicationMember).where(ApplicationMember.member_id == member.id))
        session.execute(
            update(Team)
            .where(Team.coach_id == member.id)
            .values(coach_id=None, version=Team.version + 1)
        )
    session.execute(delete(EqualityProfile).where(EqualityProfile.member_id == member.id))
    session.delete(member)
    session.flush()
    return accounts
