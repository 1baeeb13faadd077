"""The team of a route under `/teams/{team_id}`, checked for the route's permission and reach."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from app.auth.dependencies import check_permission, current_principal
from app.auth.principal import (
    ADMINISTER,
    ASSESS,
    MANAGE_TEAM,
    READ,
    RECORD_DATA,
    TEAM_WORK,
    Permission,
    Principal,
)
from app.http.deps import SessionDep
from app.reach import conditions
from app.teams.models import Team


class TeamInReach:
    """The permission of a route under `/teams/{team_id}`, then its team: 404 when the team
    does not exist or is out of the caller's reach (app.reach.conditions). Every team-scoped route
    takes its team from here; a test generated from the routes fails when one does not."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self,
        request: Request,
        team_id: uuid.UUID,
        session: SessionDep,
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Team:
        check_permission(request, self.permission, principal)
        return conditions.team_in_reach(session, principal, team_id)


# The team of a route under /teams/{team_id}, in the caller's reach, by what the route does.
ReadableTeam = Annotated[Team, Depends(TeamInReach(READ))]
ManagedTeam = Annotated[Team, Depends(TeamInReach(MANAGE_TEAM))]
RecordableTeam = Annotated[Team, Depends(TeamInReach(RECORD_DATA))]
AdministeredTeam = Annotated[Team, Depends(TeamInReach(ADMINISTER))]
AssessedTeam = Annotated[Team, Depends(TeamInReach(ASSESS))]
WorkedTeam = Annotated[Team, Depends(TeamInReach(TEAM_WORK))]
