"""Object- and field-level rules: whose team a caller may change, and which fields; no FastAPI."""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.errors import Forbidden, NotFound
from app.measures.models import Measure
from app.members.models import Member
from app.memberships.models import Membership
from app.teams.models import Team, team_organisations


def ensure_team_in_reach(principal: Principal, team: Team) -> None:
    """Admins reach every team; coaches their coached teams, members their own teams, and a
    trust's client the teams of its organisations. Another team is 404, as if absent, so the
    answer does not reveal that it exists."""
    if principal.is_admin:
        return
    if principal.role is not None:
        if team.id in principal.team_ids:
            return
    elif not principal.organisation_ids or principal.organisation_ids & set(team.organisation_ids):
        return
    raise NotFound.of("team", team.id)


def ensure_may_set(principal: Principal, fields: Iterable[str], privileged: Iterable[str]) -> None:
    """Only admins set privileged fields; anyone else sending one is refused, not ignored."""
    if principal.is_admin:
        return
    refused = sorted(set(fields) & set(privileged))
    if refused:
        raise Forbidden(f"Only a programme lead may set {', '.join(refused)}.")


def ensure_may_add_membership(principal: Principal, left_on: date | None, on: date) -> None:
    """A membership that has ended before it is recorded takes no place, yet would bring the
    person into the coach's reach: only the programme lead records such history."""
    if not principal.is_admin and left_on is not None and left_on <= on:
        raise Forbidden(
            "Only a programme lead may record a membership that has already ended; add the"
            " member, then record that they left."
        )


def visible_teams(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on Team.id naming the teams the caller may see; None when they see all."""
    if principal.is_admin:
        return None
    if principal.role is not None:
        return Team.id.in_(principal.team_ids)
    if principal.organisation_ids:
        return Team.id.in_(
            select(team_organisations.c.team_id).where(
                team_organisations.c.organisation_id.in_(principal.organisation_ids)
            )
        )
    return None


def visible_members(principal: Principal) -> ColumnElement[bool] | None:
    """People in the teams the caller may see (past members included), and themself."""
    if principal.is_admin:
        return None
    if principal.role is not None:
        in_teams = Member.id.in_(
            select(Membership.member_id).where(Membership.team_id.in_(principal.team_ids))
        )
        return or_(in_teams, Member.id == principal.member_id) if principal.member_id else in_teams
    if principal.organisation_ids:
        return Member.organisation_id.in_(principal.organisation_ids)
    return None


def visible_measures(principal: Principal) -> ColumnElement[bool] | None:
    """Shared measures, and the own measures of the teams the caller may see."""
    teams = visible_teams(principal)
    if teams is None:
        return None
    own = Measure.team_id.in_(select(Team.id).where(teams))
    return or_(Measure.team_id.is_(None), own)


def ensure_measure_in_reach(principal: Principal, measure: Measure, team: Team | None) -> None:
    """A team's own measure is as private as the team (404 to others)."""
    if measure.team_id is not None:
        if team is None or team.id != measure.team_id:
            raise NotFound.of("measure", measure.id)
        ensure_team_in_reach(principal, team)


def ensure_member_in_reach(session: Session, principal: Principal, member: Member) -> None:
    condition = visible_members(principal)
    if condition is None:
        return
    if session.scalar(select(Member.id).where(Member.id == member.id, condition)) is None:
        raise NotFound.of("member", member.id)
