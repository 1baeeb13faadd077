"""Who the caller is: their account or client, member record, role, scopes and teams; no FastAPI."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.schemas import Me, MyTeam
from app.auth.models import Client, Scope, User
from app.auth.principal import Principal
from app.members.models import Member
from app.members.schemas import MemberRead
from app.memberships.models import Membership
from app.teams.models import Team, team_organisations


def _person_teams(session: Session, member_id: uuid.UUID) -> list[MyTeam]:
    teams: dict[uuid.UUID, MyTeam] = {}
    for team in session.scalars(
        select(Team).where(Team.coach_id == member_id).order_by(Team.created_at, Team.id)
    ):
        teams[team.id] = _team(team, "coach")
    rows = session.execute(
        select(Team, Membership.role)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.member_id == member_id, Membership.is_current_clause())
        .order_by(Team.created_at, Team.id)
    )
    for team, role in rows:
        teams.setdefault(team.id, _team(team, role.value))
    return list(teams.values())


def _team(team: Team, relation: str) -> MyTeam:
    return MyTeam.model_validate(
        {
            "id": team.id,
            "name": team.name,
            "collaborative_id": team.collaborative_id,
            "status": team.status,
            "relation": relation,
        }
    )


def about(session: Session, principal: Principal) -> Me:
    kind, _, ident = principal.actor.partition(":")
    key = uuid.UUID(ident)
    if kind == "client":
        client = session.get_one(Client, key)
        organisations = client.organisation_ids
        teams = []
        if organisations:
            teams = [
                _team(team, "organisation")
                for team in session.scalars(
                    select(Team)
                    .where(
                        Team.id.in_(
                            select(team_organisations.c.team_id).where(
                                team_organisations.c.organisation_id.in_(organisations)
                            )
                        )
                    )
                    .order_by(Team.created_at, Team.id)
                )
            ]
        return Me(
            kind="client",
            id=client.id,
            email=None,
            name=client.name,
            role=None,
            scopes=sorted(principal.scopes, key=lambda scope: scope.value),
            member=None,
            organisation_ids=organisations,
            reaches_all_teams=not organisations,
            teams=teams,
            must_change_password=False,
        )
    user = session.get_one(User, key)
    member = session.get(Member, user.member_id) if user.member_id else None
    return Me(
        kind="person",
        id=user.id,
        email=user.email,
        name=member.name if member else None,
        role=user.role,
        scopes=list[Scope](),
        member=MemberRead.model_validate(member) if member else None,
        organisation_ids=[],
        reaches_all_teams=principal.is_admin,
        teams=_person_teams(session, member.id) if member else [],
        must_change_password=user.must_change_password,
    )
