"""HTTP endpoints for /members."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CAN_ADMINISTER, CAN_READ
from app.concurrency import require_current
from app.deps import Cursor, IfMatch, Limit, SessionDep
from app.members import service
from app.members.models import Member
from app.members.schemas import MemberCreate, MemberRead, MemberUpdate
from app.pagination import DEFAULT_LIMIT
from app.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.responses import created, page_of, with_etag
from app.schemas import NO_NUL, Page

router = APIRouter(prefix="/members", tags=["members"])


@router.get(
    "",
    dependencies=[CAN_READ],
    summary="List members",
    response_model=Page[MemberRead],
    responses=LIST,
)
def list_members(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    organisation_id: uuid.UUID | None = None,
    email: Annotated[str | None, Query(max_length=254, pattern=NO_NUL)] = None,
) -> Page[MemberRead]:
    """People, oldest first; filter by organisation or (case-insensitive) email."""
    items, next_cursor = service.list_members(
        session, limit=limit, cursor=cursor, organisation_id=organisation_id, email=email
    )
    return page_of(MemberRead, items, next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER],
    status_code=201,
    summary="Add a member",
    response_model=MemberRead,
    responses=CREATE,
)
def create_member(
    body: MemberCreate, session: SessionDep, request: Request, response: Response
) -> Member:
    """A person; the work email must be new (409 otherwise)."""
    member = service.create_member(session, body)
    created(response, f"{request.url.path}/{member.id}", member)
    return member


@router.get(
    "/{member_id}",
    dependencies=[CAN_READ],
    summary="Get a member",
    response_model=MemberRead,
    responses=READ_ONE,
)
def get_member(member_id: uuid.UUID, session: SessionDep, response: Response) -> Member:
    member = service.get_member(session, member_id)
    with_etag(response, member)
    return member


@router.patch(
    "/{member_id}",
    dependencies=[CAN_ADMINISTER],
    summary="Change a member",
    response_model=MemberRead,
    responses=UPDATE,
)
def update_member(
    member_id: uuid.UUID,
    body: MemberUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Member:
    member = service.get_member(session, member_id)
    require_current(member, if_match)
    service.update_member(session, member, body.model_dump(exclude_unset=True))
    with_etag(response, member)
    return member


@router.delete(
    "/{member_id}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Remove a member",
    responses=DELETE,
)
def delete_member(
    member_id: uuid.UUID,
    session: SessionDep,
    if_match: IfMatch = None,
    erase: Annotated[
        bool,
        Query(description="Right to erasure: also remove the member's memberships and attendance."),
    ] = False,
) -> None:
    """A member with history is 409 unless `?erase=true`; team data points are kept."""
    member = service.get_member(session, member_id)
    require_current(member, if_match)
    service.delete_member(session, member, erase=erase)
