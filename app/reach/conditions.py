"""The one reach rule: which teams, people and measures a caller may see; no FastAPI.

- Admins reach everything.
- A person reaches the teams whose `coach_id` is their member record and the teams they are a
  current member of, read from those rows at each request (nothing is copied at sign-in, so
  moving a team to another coach moves its reach at once).
- A trust's client reaches the teams of its organisations (every team when it is unbound).

Anything out of reach is 404, as if absent, so an answer never reveals that it exists.
Routes under `/teams/{team_id}` get their team through `app.auth.dependencies.TeamInReach`,
and every list is filtered by the conditions below in its query.
"""

import uuid

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session, lazyload

from app.auth.principal import Principal
from app.errors import NotFound
from app.imports.models import Import, import_teams
from app.measures.models import Measure
from app.members.models import Member
from app.memberships.models import Membership
from app.teams.models import Team, team_organisations


def teams_condition(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on `Team` naming the teams the caller reaches; None when they reach all."""
    if principal.is_admin:
        return None
    if principal.role is not None:
        if principal.member_id is None:
            return false()
        current = select(Membership.team_id).where(
            Membership.member_id == principal.member_id, Membership.is_current_clause()
        )
        return or_(Team.coach_id == principal.member_id, Team.id.in_(current))
    if principal.organisation_ids:
        return Team.id.in_(
            select(team_organisations.c.team_id).where(
                team_organisations.c.organisation_id.in_(principal.organisation_ids)
            )
        )
    return None


def reachable_team_ids(principal: Principal) -> ColumnElement[bool] | None:
    """A condition on a team id column's values, as a subquery of the reached teams."""
    condition = teams_condition(principal)
    return None if condition is None else Team.id.in_(select(Team.id).where(condition))


def team_in_reach(session: Session, principal: Principal, team_id: uuid.UUID) -> Team:
    """The team, or 404 when it does not exist or is out of the caller's reach. Its
    organisations load only if asked for: most routes under a team never look at them."""
    statement = select(Team).where(Team.id == team_id).options(lazyload(Team.organisations))
    condition = teams_condition(principal)
    if condition is not None:
        statement = statement.where(condition)
    team = session.scalar(statement)
    if team is None:
        raise NotFound.of("team", team_id)
    return team


def ensure_object_in_reach(
    session: Session, principal: Principal, team_id: uuid.UUID, kind: str, ident: uuid.UUID
) -> Team:
    """The team of a team's object (a change idea, a PDSA cycle), or a 404 naming the object
    when the team is out of reach: another team's objects are as absent as its team."""
    try:
        return team_in_reach(session, principal, team_id)
    except NotFound:
        raise NotFound.of(kind, ident) from None


def ensure_team_in_reach(session: Session, principal: Principal, team: Team) -> None:
    """404 unless the team is in reach (for a team named in a body, not in the path)."""
    team_in_reach(session, principal, team.id)


def imports_condition(principal: Principal) -> ColumnElement[bool] | None:
    """The imports a caller sees: their own, and those whose rows were for a team in their
    reach; None (all) for admins and for callers who reach every team."""
    teams = teams_condition(principal)
    if teams is None:
        return None
    about_reached_teams = select(import_teams.c.import_id).where(
        import_teams.c.team_id.in_(select(Team.id).where(teams))
    )
    return or_(Import.created_by == principal.actor, Import.id.in_(about_reached_teams))


def members_condition(principal: Principal) -> ColumnElement[bool] | None:
    """People of the teams in reach (past members included), their coaches, and the caller
    themself; a trust's client sees the people of its organisations."""
    if principal.is_admin:
        return None
    if principal.role is None:
        if principal.organisation_ids:
            return Member.organisation_id.in_(principal.organisation_ids)
        return None
    teams = teams_condition(principal)
    assert teams is not None
    reached = select(Team.id).where(teams)
    people = or_(
        Member.id.in_(select(Membership.member_id).where(Membership.team_id.in_(reached))),
        Member.id.in_(select(Team.coach_id).where(teams, Team.coach_id.is_not(None))),
    )
    return or_(people, Member.id == principal.member_id) if principal.member_id else people


def measures_condition(principal: Principal) -> ColumnElement[bool] | None:
    """Shared measures, and the own measures of the teams in reach."""
    teams = teams_condition(principal)
    if teams is None:
        return None
    return or_(Measure.team_id.is_(None), Measure.team_id.in_(select(Team.id).where(teams)))


def ensure_measure_in_reach(session: Session, principal: Principal, measure: Measure) -> None:
    """A team's own measure is as private as its team (404 to others)."""
    if measure.team_id is not None:
        try:
            team_in_reach(session, principal, measure.team_id)
        except NotFound:
            raise NotFound.of("measure", measure.id) from None


def ensure_member_in_reach(session: Session, principal: Principal, member: Member) -> None:
    condition = members_condition(principal)
    if condition is None:
        return
    if session.scalar(select(Member.id).where(Member.id == member.id, condition)) is None:
        raise NotFound.of("member", member.id)
