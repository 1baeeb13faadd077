"""HTTP endpoints for /members."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.access import ensure_member_in_reach, visible_members
from app.auth.dependencies import CAN_ADMINISTER, Reader
from app.concurrency import require_current
from app.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
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
    *,
    principal: Reader,
) -> Page[MemberRead]:
    """People, oldest first; filter by organisation or (case-insensitive) email. Coaches and
    members see the people of their own teams (and themselves)."""
    items, next_cursor = service.list_members(
        session,
        limit=limit,
        cursor=cursor,
        organisation_id=organisation_id,
        email=email,
        visible=visible_members(principal),
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
    summary="Get a member",
    response_model=MemberRead,
    responses=READ_ONE,
)
def get_member(
    member_id: uuid.UUID, session: SessionDep, response: Response, principal: Reader
) -> Member:
    member = service.get_member(session, member_id)
    ensure_member_in_reach(session, principal, member)
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
    request: Request,
    if_match: IfMatch = None,
    erase: Annotated[
        bool,
        Query(description="Right to erasure: also remove the member's memberships and attendance."),
    ] = False,
) -> None:
    """A member with history is 409 unless `?erase=true`; team data points are kept. Their
    equality profile, if any, goes with them."""
    member = service.get_member(session, member_id)
    require_current(member, if_match)
    service.delete_member(session, member, erase=erase)
    # Recorded by id only: the person is gone, the fact that they were removed is not.
    audit_trail(request).record(
        "member_erased" if erase else "member_deleted", "success", subject=str(member_id)
    )
