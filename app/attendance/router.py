"""HTTP endpoints for /meetings/{meeting_id}/attendance."""

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from app.attendance import service
from app.attendance.schemas import AttendanceList, AttendanceRead
from app.auth.dependencies import CAN_ADMINISTER, Reader
from app.http.concurrency import list_etag, require_tag
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import LIST, UPDATE, guarded
from app.http.responses import page_of, with_etag
from app.meetings import service as meetings_service
from app.meetings.models import Meeting
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import members_condition
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
    response: Response,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    *,
    principal: Reader,
) -> Page[AttendanceRead]:
    """The register; coaches, members and trusts' clients see only the people they may see
    elsewhere (their teams' people, their organisations' staff). The `ETag` names the version
    of the whole register, on every page: send it as `If-Match` to replace the register."""
    meeting = meetings_service.get_meeting(session, meeting_id)
    # The tag first: a register changed between the two reads then gives a stale tag (a 412
    # later), never a current tag for rows the caller did not see.
    with_etag(response, _register_etag(session, meeting))
    items, next_cursor = service.list_attendance(
        session, meeting, limit=limit, cursor=cursor, visible=members_condition(principal)
    )
    return page_of(AttendanceRead, items, next_cursor)


@router.put(
    "",
    dependencies=[CAN_ADMINISTER],
    summary="Record who attended a meeting",
    response_model=Page[AttendanceRead],
    responses=UPDATE,
)
def replace_attendance(
    meeting_id: uuid.UUID,
    body: AttendanceList,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Page[AttendanceRead]:
    """Replaces the whole list: members left out are no longer recorded. Send `If-Match` with
    the `ETag` of `GET .../attendance`: without it 428, and 412 when someone has recorded
    attendance since, so two people recording one meeting never lose each other's entries.
    The response's `ETag` names the new register."""
    # Locked before the comparison: two PUTs naming the same version cannot both pass it.
    meeting = meetings_service.get_meeting_for_attendance(session, meeting_id)
    require_tag(_register_etag(session, meeting), if_match)
    rows = service.replace_attendance(session, meeting, body)
    with_etag(response, _register_etag(session, meeting))
    return page_of(AttendanceRead, rows, None)


def _register_etag(session: Session, meeting: Meeting) -> str:
    """The ETag of the meeting's whole register (`kind` keeps it apart from the meeting's)."""
    return list_etag("attendance", [meeting.id], service.register_versions(session, meeting))
