"""HTTP endpoint for reading the audit trail (programme leads only)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from app.audit import service
from app.audit.actions import AuditAction
from app.audit_events.schemas import AuditEventRead
from app.auth.dependencies import Allow
from app.auth.principal import ADMINISTER
from app.http.deps import Cursor, Limit, SessionDep
from app.http.problems import guarded
from app.http.responses import page_of
from app.pagination import DEFAULT_LIMIT
from app.schemas import DATE_OR_INSTANT, DateOrInstant, Page

router = APIRouter(prefix="/audit-events", tags=["audit"])

Text = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")]


@router.get(
    "",
    summary="Read the audit trail",
    response_model=Page[AuditEventRead],
    responses=guarded(400, 401, 403, 422),
    dependencies=[Depends(Allow(ADMINISTER))],
)
def list_audit_events(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    action: AuditAction | None = None,
    outcome: Annotated[Literal["success", "failure", "denied"] | None, Query()] = None,
    actor: Text = None,
    since: Annotated[
        DateOrInstant | None,
        Query(description=f"Only events at or after this: {DATE_OR_INSTANT}"),
    ] = None,
    order: Annotated[
        Literal["oldest", "newest"], Query(description="`newest` for the latest events first.")
    ] = "oldest",
) -> Page[AuditEventRead]:
    """Sign-ins, refused tokens and denied requests; changes to accounts, clients, signing
    keys, teams (status, selection, coach, organisations, members) and erasures; reads and
    changes of equality data. Oldest first, or `?order=newest`; filter by `action` (one of
    the listed actions: anything else is 422), `outcome`, `actor` or `since`."""
    items, next_cursor = service.list_events(
        session,
        limit=limit,
        cursor=cursor,
        action=action,
        outcome=outcome,
        actor=actor,
        since=since,
        newest_first=order == "newest",
    )
    return page_of(AuditEventRead, items, next_cursor)
