"""HTTP endpoints for /meetings/{meeting_id}/attendance."""

import uuid

from fastapi import APIRouter

from app.attendance import service
from app.attendance.schemas import AttendanceList, AttendanceRead
from app.auth.dependencies import CAN_ADMINISTER, Reader
from app.auth.reach import members_condition
from app.deps import Cursor, Limit, SessionDep
from app.meetings import service as meetings_service
from app.pagination import DEFAULT_LIMIT
from app.problems import LIST, guarded
from app.responses import page_of
from app.schemas import Page

router = APIRouter(prefix="/meetings/{meeting_id}/attendance", tags=["attendance"])


@router.get(
    "",
    summary="Who attended a meeting",
    response_model=Page[AttendanceRead],
    responses={**LIST, **guarded(404)},
)
def list_attendance(
    meeting_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    *,
    principal: Reader,
) -> Page[AttendanceRead]:
    """The register; coaches, members and trusts' clients see only the people they may see
    elsewhere (their teams' people, their organisations' staff)."""
    meeting = meetings_service.get_meeting(session, meeting_id)
    items, next_cursor = service.list_attendance(
        session, meeting, limit=limit, cursor=cursor, visible=members_condition(principal)
    )
    return page_of(AttendanceRead, items, next_cursor)


@router.put(
    "",
    dependencies=[CAN_ADMINISTER],
    summary="Record who attended a meeting",
    response_model=Page[AttendanceRead],
    responses=guarded(400, 404, 409, 413, 415, 422),
)
def replace_attendance(
    meeting_id: uuid.UUID, body: AttendanceList, session: SessionDep
) -> Page[AttendanceRead]:
    """Replaces the whole list: members left out are no longer recorded."""
    meeting = meetings_service.get_meeting_for_attendance(session, meeting_id)
    rows = service.replace_attendance(session, meeting, body)
    return page_of(AttendanceRead, rows, None)
