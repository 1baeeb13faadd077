"""HTTP endpoints for /collaboratives."""

import uuid
from functools import partial

from fastapi import APIRouter, Request, Response

from app.applications import service as applications_service
from app.auth.dependencies import CAN_ADMINISTER, CAN_READ, IDEMPOTENT
from app.collaboratives import service
from app.collaboratives.models import Collaborative, CollaborativeStatus
from app.collaboratives.schemas import CollaborativeCreate, CollaborativeRead, CollaborativeUpdate
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.schemas import Page
from app.teams import service as teams_service

router = APIRouter(prefix="/collaboratives", tags=["collaboratives"])


@router.get(
    "",
    dependencies=[CAN_READ],
    summary="List collaboratives",
    response_model=Page[CollaborativeRead],
    responses=LIST,
)
def list_collaboratives(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: CollaborativeStatus | None = None,
) -> Page[CollaborativeRead]:
    """Every collaborative, optionally those in one `status`, a page at a time."""
    items, next_cursor = service.list_collaboratives(
        session, limit=limit, cursor=cursor, status=status
    )
    return page_of(CollaborativeRead, items, next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
    status_code=201,
    summary="Start a collaborative",
    response_model=CollaborativeRead,
    responses=CREATE,
)
def create_collaborative(
    body: CollaborativeCreate, session: SessionDep, request: Request, response: Response
) -> Collaborative:
    """A QI programme; `max_teams` defaults to 6 and `max_team_size` to 5."""
    collaborative = service.create_collaborative(session, body)
    created(response, f"{request.url.path}/{collaborative.id}", collaborative)
    return collaborative


@router.get(
    "/{collaborative_id}",
    dependencies=[CAN_READ],
    summary="Get a collaborative",
    response_model=CollaborativeRead,
    responses=READ_ONE,
)
def get_collaborative(
    collaborative_id: uuid.UUID, session: SessionDep, response: Response
) -> Collaborative:
    """The collaborative, with its ETag for If-Match on a later change."""
    collaborative = service.get_collaborative(session, collaborative_id)
    with_etag(response, collaborative)
    return collaborative


@router.patch(
    "/{collaborative_id}",
    dependencies=[CAN_ADMINISTER],
    summary="Change a collaborative",
    response_model=CollaborativeRead,
    responses=UPDATE,
)
def update_collaborative(
    collaborative_id: uuid.UUID,
    body: CollaborativeUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Collaborative:
    """Changes only the fields sent; `max_teams` cannot drop below the teams already selected,
    and `status` cannot change to one some of its teams do not suit (409 `team-statuses`)."""
    collaborative = service.get_collaborative_for_change(session, collaborative_id)
    require_current(collaborative, if_match)
    service.update_collaborative(
        session,
        collaborative,
        body,
        teams_allow=partial(teams_service.check_collaborative_change, session, collaborative),
    )
    if body.selection_criteria is not None:
        # Applications sit above collaboratives: their scores follow the new criteria here.
        applications_service.rescore_collaborative(session, collaborative)
    with_etag(response, collaborative)
    return collaborative


@router.delete(
    "/{collaborative_id}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Remove a collaborative",
    responses=DELETE,
)
def delete_collaborative(
    collaborative_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Removes a collaborative that has no teams, measures or meetings (409 otherwise)."""
    collaborative = service.get_collaborative(session, collaborative_id)
    require_current(collaborative, if_match)
    service.delete_collaborative(session, collaborative)
