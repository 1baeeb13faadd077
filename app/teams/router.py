"""HTTP endpoints for /teams."""

import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.auth.access import ensure_may_set, ensure_team_in_reach, visible_teams
from app.auth.dependencies import CAN_ADMINISTER, Reader, TeamManager
from app.auth.principal import Principal
from app.concurrency import require_current
from app.deps import Cursor, IfMatch, Limit, SessionDep
from app.equality import service as equality_service
from app.pagination import DEFAULT_LIMIT
from app.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.responses import created, with_etag
from app.schemas import Page
from app.teams import service
from app.teams.models import Team, TeamStatus
from app.teams.schemas import TeamCreate, TeamRead, TeamUpdate

router = APIRouter(prefix="/teams", tags=["teams"])

# Selection and coaching are the programme lead's decisions, not the team's; so are the
# organisations, since they decide which trust's systems may reach the team.
PRIVILEGED_FIELDS = ("status", "coach_id", "organisation_ids")


def _as_read(session: Session, teams: Sequence[Team], principal: Principal) -> list[TeamRead]:
    """The teams as read, with the lead rule verdict of those whose verdict the caller may
    see (one query for the lot); on the others `lead_criterion_met` is left out altogether.
    The lead's equality profile itself never leaves app.equality."""
    verdicts = equality_service.lead_criteria(session, principal, [team.id for team in teams])
    reads = [TeamRead.model_validate(team) for team in teams]
    return [
        read.model_copy(update={"lead_criterion_met": verdicts[read.id]})
        if read.id in verdicts
        else read
        for read in reads
    ]


@router.get("", summary="List teams", response_model=Page[TeamRead], responses=LIST)
def list_teams(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    collaborative_id: uuid.UUID | None = None,
    status: TeamStatus | None = None,
    organisation_id: uuid.UUID | None = None,
    *,
    principal: Reader,
) -> Page[TeamRead]:
    """Teams, oldest first; filter by collaborative, status or organisation. Coaches and
    members see their own teams; a trust's client the teams of its organisations."""
    items, next_cursor = service.list_teams(
        session,
        limit=limit,
        cursor=cursor,
        visible=visible_teams(principal),
        collaborative_id=collaborative_id,
        status=status,
        organisation_id=organisation_id,
    )
    return Page[TeamRead](items=_as_read(session, items, principal), next_cursor=next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER],
    status_code=201,
    summary="Register a team",
    response_model=TeamRead,
    responses=CREATE,
)
def create_team(
    body: TeamCreate, session: SessionDep, request: Request, response: Response
) -> TeamRead:
    """A team applying to a collaborative; it is selected later, once it has a lead."""
    team = service.create_team(session, body)
    created(response, f"{request.url.path}/{team.id}", team)
    # Only admins create teams, and see every verdict; a new team's, with no lead, is unknown.
    return TeamRead.model_validate(team).model_copy(update={"lead_criterion_met": None})


@router.get(
    "/{team_id}",
    summary="Get a team",
    response_model=TeamRead,
    responses=READ_ONE,
)
def get_team(
    team_id: uuid.UUID, session: SessionDep, response: Response, principal: Reader
) -> TeamRead:
    team = service.get_team(session, team_id)
    ensure_team_in_reach(principal, team)
    with_etag(response, team)
    return _as_read(session, [team], principal)[0]


@router.patch("/{team_id}", summary="Change a team", response_model=TeamRead, responses=UPDATE)
def update_team(
    team_id: uuid.UUID,
    body: TeamUpdate,
    session: SessionDep,
    response: Response,
    principal: TeamManager,
    if_match: IfMatch = None,
) -> TeamRead:
    """Changes only the fields sent. Selecting a team (status `selected`, `active` or
    `completed`) needs exactly one current lead and a free place in the collaborative."""
    team = service.get_team_for_change(session, team_id)
    ensure_team_in_reach(principal, team)
    changes = body.model_dump(exclude_unset=True)
    ensure_may_set(principal, changes, PRIVILEGED_FIELDS)
    require_current(team, if_match)
    service.update_team(session, team, changes)
    with_etag(response, team)
    return _as_read(session, [team], principal)[0]


@router.delete(
    "/{team_id}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Remove a team",
    responses=DELETE,
)
def delete_team(team_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None) -> None:
    """Removes a team with no members, measures or data (409 otherwise: withdraw it instead)."""
    team = service.get_team(session, team_id)
    require_current(team, if_match)
    service.delete_team(session, team)
