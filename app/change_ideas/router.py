"""HTTP endpoints for change ideas and driver diagrams."""

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.auth.dependencies import IDEMPOTENT, Reader, TeamWorker
from app.auth.principal import Principal
from app.change_ideas import service
from app.change_ideas.models import ChangeIdea, IdeaStatus
from app.change_ideas.schemas import (
    ChangeIdeaCreate,
    ChangeIdeaRead,
    ChangeIdeaUpdate,
    DriverDiagramRead,
    DriverDiagramWrite,
    PrimaryDriverRead,
    SecondaryDriverRead,
)
from app.http.concurrency import list_etag, require_current, require_tag
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE, guarded
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import ensure_object_in_reach
from app.reach.dependencies import ReadableTeam, WorkedTeam
from app.schemas import Page
from app.teams import service as teams_service
from app.teams.models import Team

router = APIRouter(tags=["change ideas"])
IDEAS = "/teams/{team_id}/change-ideas"
ONE = "/change-ideas/{idea_id}"
DIAGRAM = "/teams/{team_id}/driver-diagram"


@router.get(
    IDEAS,
    summary="List a team's change ideas",
    response_model=Page[ChangeIdeaRead],
    responses={**LIST, **guarded(404)},
)
def list_ideas(
    team: ReadableTeam,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: IdeaStatus | None = None,
    shared: bool | None = None,
) -> Page[ChangeIdeaRead]:
    """The team's ideas, oldest first; filter by `status` or `shared`."""
    items, next_cursor = service.list_ideas(
        session, team, limit=limit, cursor=cursor, status=status, shared=shared
    )
    return page_of(ChangeIdeaRead, items, next_cursor)


@router.post(
    IDEAS,
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Add a change idea",
    response_model=ChangeIdeaRead,
    responses=CREATE,
)
def create_idea(
    team: WorkedTeam,
    body: ChangeIdeaCreate,
    session: SessionDep,
    response: Response,
) -> ChangeIdea:
    """An idea the team will test; `driver_id` links it to a secondary driver of its diagram.
    The team's members, its coach and admins add them."""
    locked = teams_service.get_team_for_data(session, team.id)
    idea = service.create_idea(session, locked, body)
    created(response, f"/api/v1/change-ideas/{idea.id}", idea)
    return idea


def _idea_in_reach(
    session: Session, principal: Principal, idea_id: uuid.UUID
) -> tuple[ChangeIdea, Team]:
    idea = service.get_idea(session, idea_id)
    team = ensure_object_in_reach(session, principal, idea.team_id, "change idea", idea_id)
    return idea, team


@router.get(ONE, summary="Get a change idea", response_model=ChangeIdeaRead, responses=READ_ONE)
def get_idea(
    idea_id: uuid.UUID, session: SessionDep, response: Response, principal: Reader
) -> ChangeIdea:
    """An idea of a team the caller reaches (404 otherwise), with its ETag."""
    idea, _ = _idea_in_reach(session, principal, idea_id)
    with_etag(response, idea)
    return idea


@router.patch(ONE, summary="Change a change idea", response_model=ChangeIdeaRead, responses=UPDATE)
def update_idea(
    idea_id: uuid.UUID,
    body: ChangeIdeaUpdate,
    session: SessionDep,
    response: Response,
    principal: TeamWorker,
    if_match: IfMatch = None,
) -> ChangeIdea:
    """Changes the fields sent. A `status` set here stands until a cycle of the idea finishes
    later (its decision sets it again)."""
    idea, team = _idea_in_reach(session, principal, idea_id)
    team = teams_service.get_team_for_data(session, team.id)
    session.refresh(idea)  # read afresh under the team's lock, then check If-Match
    require_current(idea, if_match)
    service.update_idea(session, team, idea, body)
    with_etag(response, idea)
    return idea


@router.delete(ONE, status_code=204, summary="Remove a change idea", responses=DELETE)
def delete_idea(
    idea_id: uuid.UUID, session: SessionDep, principal: TeamWorker, if_match: IfMatch = None
) -> None:
    """Removes an idea no cycle has tested (409 otherwise: mark it abandoned instead)."""
    idea, team = _idea_in_reach(session, principal, idea_id)
    teams_service.get_team_for_data(session, team.id)
    session.refresh(idea)
    require_current(idea, if_match)
    service.delete_idea(session, idea)


def _diagram_read(diagram: service.Diagram) -> DriverDiagramRead:
    return DriverDiagramRead(
        team_id=diagram.team.id,
        aim=diagram.aim,
        primary_drivers=[
            PrimaryDriverRead(
                id=primary.id,
                title=primary.title,
                secondary_drivers=[
                    SecondaryDriverRead(
                        id=secondary.id,
                        title=secondary.title,
                        change_idea_ids=diagram.ideas.get(secondary.id, []),
                    )
                    for secondary in diagram.secondaries[primary.id]
                ],
            )
            for primary in diagram.primaries
        ],
    )


def _diagram_etag(diagram: service.Diagram) -> str:
    return list_etag("driver-diagram", [diagram.team.id], service.diagram_rows(diagram))


@router.get(
    DIAGRAM,
    summary="Get a team's driver diagram",
    response_model=DriverDiagramRead,
    responses=READ_ONE,
)
def get_diagram(team: ReadableTeam, session: SessionDep, response: Response) -> DriverDiagramRead:
    """The team's aim, primary and secondary drivers, and the ideas on each secondary driver;
    an empty tree (with its ETag) before the first PUT."""
    diagram = service.get_diagram(session, team)
    with_etag(response, _diagram_etag(diagram))
    return _diagram_read(diagram)


@router.put(
    DIAGRAM,
    summary="Replace a team's driver diagram",
    response_model=DriverDiagramRead,
    responses=UPDATE,
)
def put_diagram(
    team: WorkedTeam,
    body: DriverDiagramWrite,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> DriverDiagramRead:
    """Replaces the whole tree (If-Match: the ETag its GET named). Nodes sent back with their
    `id` keep it and their ideas; an idea whose driver is left out keeps no driver."""
    locked = teams_service.get_team_for_data(session, team.id)
    require_tag(_diagram_etag(service.get_diagram(session, locked)), if_match)
    diagram = service.replace_diagram(session, locked, body)
    with_etag(response, _diagram_etag(diagram))
    return _diagram_read(diagram)
