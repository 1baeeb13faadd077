"""HTTP endpoints for /teams/{team_id}/members: who is in a team, in which role."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.audit.actions import AuditAction
from app.auth.access import ensure_may_add_membership, ensure_may_set
from app.auth.dependencies import IDEMPOTENT, Caller
from app.clock import today
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, UPDATE, guarded
from app.http.responses import created, page_of, with_etag
from app.memberships import service
from app.memberships.models import Membership, MembershipRole
from app.memberships.schemas import MembershipCreate, MembershipRead, MembershipUpdate
from app.pagination import DEFAULT_LIMIT
from app.reach.dependencies import ManagedTeam, ReadableTeam
from app.schemas import Page
from app.teams import service as teams_service

router = APIRouter(prefix="/teams/{team_id}/members", tags=["memberships"])


@router.get(
    "",
    summary="List a team's memberships",
    response_model=Page[MembershipRead],
    responses={**LIST, **guarded(404)},
)
def list_memberships(
    team: ReadableTeam,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    current: Annotated[
        bool | None, Query(description="true: only current members; false: only past ones.")
    ] = None,
    role: MembershipRole | None = None,
) -> Page[MembershipRead]:
    """Every membership of the team, past ones included (they carry `left_on`)."""
    items, next_cursor = service.list_memberships(
        session, team, limit=limit, cursor=cursor, current=current, role=role
    )
    return page_of(MembershipRead, items, next_cursor)


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Add a member to a team",
    response_model=MembershipRead,
    responses=CREATE,
)
def add_membership(
    team: ManagedTeam,
    body: MembershipCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Caller,
) -> Membership:
    """At most `max_team_size` current members and one current lead (409 otherwise). Coaches
    add members to the teams they coach; naming the lead is the programme lead's."""
    team = teams_service.get_team_for_change(session, team.id)
    if body.role == MembershipRole.LEAD:
        ensure_may_set(principal, ["role"], ["role"])
    ensure_may_add_membership(principal, body.left_on, today())
    membership = service.add_membership(session, team, body)
    audit_trail(request).record(
        AuditAction.MEMBERSHIP_ADDED,
        "success",
        subject=str(team.id),
        reason=f"member {membership.member_id} as {membership.role}",
    )
    created(response, f"{request.url.path}/{membership.member_id}", membership)
    return membership


@router.get(
    "/{member_id}",
    summary="Get a member's current membership",
    response_model=MembershipRead,
    responses=guarded(404, 422),
)
def get_current_membership(
    team: ReadableTeam, member_id: uuid.UUID, session: SessionDep, response: Response
) -> Membership:
    """The membership to PATCH or DELETE, with its ETag; 404 when the member is not current."""
    membership = service.get_current_membership(session, team, member_id)
    with_etag(response, membership)
    return membership


@router.patch(
    "/{member_id}",
    summary="Change a member's role or record leaving",
    response_model=MembershipRead,
    responses=UPDATE,
)
def update_membership(
    team: ManagedTeam,
    member_id: uuid.UUID,
    body: MembershipUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Caller,
    if_match: IfMatch = None,
    handover: Annotated[
        bool,
        Query(description="With role 'lead': the current lead becomes a member in the same step."),
    ] = False,
) -> Membership:
    """Changes the member's current membership; needs `If-Match` with the membership's ETag.
    Roles are the programme lead's to change."""
    team = teams_service.get_team_for_change(session, team.id)
    changes = body.model_dump(exclude_unset=True)
    ensure_may_set(principal, changes, ["role"])
    membership = service.get_current_membership(session, team, member_id)
    require_current(membership, if_match)
    service.update_membership(session, team, membership, body, handover=handover)
    fields = ", ".join(f"{name} {value}" for name, value in changes.items())
    audit_trail(request).record(
        AuditAction.MEMBERSHIP_CHANGED,
        "success",
        subject=str(team.id),
        reason=f"member {member_id}: {fields}" + (" (handover)" if handover else ""),
    )
    with_etag(response, membership)
    return membership


@router.delete(
    "/{member_id}", status_code=204, summary="Record that a member left", responses=DELETE
)
def end_membership(
    team: ManagedTeam,
    member_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    if_match: IfMatch = None,
) -> None:
    """Sets `left_on` to today; the membership stays in the team's history."""
    team = teams_service.get_team_for_change(session, team.id)
    membership = service.get_current_membership(session, team, member_id)
    require_current(membership, if_match)
    service.end_membership(session, team, membership)
    audit_trail(request).record(
        AuditAction.MEMBERSHIP_ENDED,
        "success",
        subject=str(team.id),
        reason=f"member {member_id} left on {membership.left_on}",
    )
