"""HTTP endpoints for /meetings."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CAN_ADMINISTER, CAN_READ, IDEMPOTENT
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, page_of, with_etag
from app.meetings import service
from app.meetings.models import Meeting, MeetingKind
from app.meetings.schemas import MeetingCreate, MeetingRead, MeetingUpdate
from app.pagination import DEFAULT_LIMIT
from app.schemas import DATE_OR_INSTANT, DateOrInstant, Page

router = APIRouter(prefix="/meetings", tags=["meetings"])


@router.get(
    "",
    dependencies=[CAN_READ],
    summary="List meetings",
    response_model=Page[MeetingRead],
    responses=LIST,
)
def list_meetings(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    collaborative_id: uuid.UUID | None = None,
    kind: MeetingKind | None = None,
    starts_after: Annotated[
        DateOrInstant | None,
        Query(description=f"Only meetings starting at or after this: {DATE_OR_INSTANT}"),
    ] = None,
) -> Page[MeetingRead]:
    """Meetings in the order they happen (by `starts_at`)."""
    items, next_cursor = service.list_meetings(
        session,
        limit=limit,
        cursor=cursor,
        collaborative_id=collaborative_id,
        kind=kind,
        starts_after=starts_after,
    )
    return page_of(MeetingRead, items, next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
    status_code=201,
    summary="Plan a meeting",
    response_model=MeetingRead,
    responses=CREATE,
)
def create_meeting(
    body: MeetingCreate, session: SessionDep, request: Request, response: Response
) -> Meeting:
    """A learning session, coaching call or showcase of a collaborative."""
    meeting = service.create_meeting(session, body)
    created(response, f"{request.url.path}/{meeting.id}", meeting)
    return meeting


@router.get(
    "/{meeting_id}",
    dependencies=[CAN_READ],
    summary="Get a meeting",
    response_model=MeetingRead,
    responses=READ_ONE,
)
def get_meeting(meeting_id: uuid.UUID, session: SessionDep, response: Response) -> Meeting:
    """The meeting, with its ETag for If-Match on a later change."""
    meeting = service.get_meeting(session, meeting_id)
    with_etag(response, meeting)
    return meeting


@router.patch(
    "/{meeting_id}",
    dependencies=[CAN_ADMINISTER],
    summary="Change a meeting",
    response_model=MeetingRead,
    responses=UPDATE,
)
def update_meeting(
    meeting_id: uuid.UUID,
    body: MeetingUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Meeting:
    """Changes only the fields sent; If-Match names the version the change was made to."""
    meeting = service.get_meeting(session, meeting_id)
    require_current(meeting, if_match)
    service.update_meeting(session, meeting, body)
    with_etag(response, meeting)
    return meeting


@router.delete(
    "/{meeting_id}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Cancel a meeting",
    responses=DELETE,
)
def delete_meeting(meeting_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None) -> None:
    """Removes the meeting and its attendance record."""
    meeting = service.get_meeting(session, meeting_id)
    require_current(meeting, if_match)
    service.delete_meeting(session, meeting)
