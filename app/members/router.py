"""HTTP endpoints for /members."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.accounts import service as accounts_service
from app.audit.actions import AuditAction
from app.auth.dependencies import CAN_ADMINISTER, IDEMPOTENT, Reader
from app.erasure import service as erasure_service
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, page_of, with_etag
from app.members import service
from app.members.models import Member
from app.members.schemas import MemberCreate, MemberRead, MemberUpdate
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import ensure_member_in_reach, members_condition
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
    name: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="People whose name contains this text, ignoring case (`%` and `_` are"
            " matched as themselves).",
        ),
    ] = None,
    *,
    principal: Reader,
) -> Page[MemberRead]:
    """People, oldest first; filter by organisation, (case-insensitive) email or part of the
    name. Coaches and members see the people of their own teams (and themselves)."""
    items, next_cursor = service.list_members(
        session,
        limit=limit,
        cursor=cursor,
        organisation_id=organisation_id,
        email=email,
        name=name,
        visible=members_condition(principal),
    )
    return page_of(MemberRead, items, next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
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
    accounts_service.follow_member(session, member)
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
    """A member the caller may see (404 otherwise), with its ETag."""
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
    """Changes only the fields sent; a linked account takes a new email as its sign-in name."""
    member = service.get_member(session, member_id)
    require_current(member, if_match)
    service.update_member(session, member, body)
    # The account signs in with the member's email: it follows the change.
    accounts_service.follow_member(session, member)
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
        Query(
            description="Right to erasure: remove the person with their account, profile,"
            " memberships and attendance."
        ),
    ] = False,
) -> None:
    """A member with history, or with an account, is 409 unless `?erase=true` (right to
    erasure): that removes the person with their account and its sign-ins, their equality
    profile, memberships, meeting attendance and coaching; the teams' data points, which name
    nobody, are kept. The audit trail records who erased someone, not whom."""
    member = service.get_member(session, member_id)
    require_current(member, if_match)
    trail = audit_trail(request)
    if erase:
        accounts = erasure_service.delete_member(session, member, erase=True)
        # Who erased someone is kept; whom is not, not even in the path.
        trail.record(
            AuditAction.MEMBER_ERASED,
            "success",
            reason=f"{accounts} account(s) removed",
            path=request.scope["route"].path,
        )
        return
    erasure_service.delete_member(session, member, erase=False)
    trail.record(AuditAction.MEMBER_DELETED, "success", subject=str(member_id))
