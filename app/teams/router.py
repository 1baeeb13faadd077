"""HTTP endpoints for /teams."""

import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth.access import ensure_may_set
from app.auth.dependencies import CAN_ADMINISTER, IDEMPOTENT, Caller, Reader
from app.auth.principal import Principal
from app.collaboratives.statuses import TeamStatus
from app.equality import service as equality_service
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, with_etag
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import teams_condition
from app.reach.dependencies import AdministeredTeam, ManagedTeam, ReadableTeam
from app.schemas import Page
from app.teams import service
from app.teams.models import Team
from app.teams.schemas import TeamCreate, TeamRead, TeamUpdate

router = APIRouter(prefix="/teams", tags=["teams"])

# Selection and coaching are the programme lead's decisions, not the team's; so are the
# organisations, since they decide which trust's systems may reach the team.
PRIVILEGED_FIELDS = ("status", "coach_id", "organisation_ids")


def _as_read(session: Session, teams: Sequence[Team], principal: Principal) -> list[TeamRead]:
    """The teams as read, with the lead rule verdict of those whose verdict the caller may
    see (one query for the lot); on the others `lead_criterion_met` is left out altogether.
    The lead's equality profile itself never leaves app.equality."""
    verdicts = equality_service.lead_criteria(session, principal, [team.id for team in teams])
    reads = [TeamRead.model_validate(team) for team in teams]
    return [
        read.model_copy(update={"lead_criterion_met": verdicts[read.id]})
        if read.id in verdicts
        else read
        for read in reads
    ]


@router.get("", summary="List teams", response_model=Page[TeamRead], responses=LIST)
def list_teams(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    collaborative_id: uuid.UUID | None = None,
    status: TeamStatus | None = None,
    organisation_id: uuid.UUID | None = None,
    *,
    principal: Reader,
) -> Page[TeamRead]:
    """Teams, oldest first; filter by collaborative, status or organisation. Coaches and
    members see their own teams; a trust's client the teams of its organisations."""
    items, next_cursor = service.list_teams(
        session,
        limit=limit,
        cursor=cursor,
        visible=teams_condition(principal),
        collaborative_id=collaborative_id,
        status=status,
        organisation_id=organisation_id,
    )
    return Page[TeamRead](items=_as_read(session, items, principal), next_cursor=next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
    status_code=201,
    summary="Register a team",
    response_model=TeamRead,
    responses=CREATE,
)
def create_team(
    body: TeamCreate, session: SessionDep, request: Request, response: Response
) -> TeamRead:
    """A team applying to a collaborative; it is selected later, once it has a lead."""
    team = service.create_team(session, body)
    audit_trail(request).record(
        AuditAction.TEAM_CREATED, "success", subject=str(team.id), reason=f"status {team.status}"
    )
    created(response, f"{request.url.path}/{team.id}", team)
    # Only admins create teams, and see every verdict; a new team's, with no lead, is unknown.
    return TeamRead.model_validate(team).model_copy(update={"lead_criterion_met": None})


@router.get(
    "/{team_id}",
    summary="Get a team",
    response_model=TeamRead,
    responses=READ_ONE,
)
def get_team(
    team: ReadableTeam, session: SessionDep, response: Response, principal: Caller
) -> TeamRead:
    """A team the caller may see (404 otherwise), with its ETag; `lead_criterion_met` only
    for those who may see the verdict."""
    with_etag(response, team)
    return _as_read(session, [team], principal)[0]


@router.patch("/{team_id}", summary="Change a team", response_model=TeamRead, responses=UPDATE)
def update_team(
    team: ManagedTeam,
    body: TeamUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Caller,
    if_match: IfMatch = None,
) -> TeamRead:
    """Changes only the fields sent. `status` moves only along the allowed steps (see the
    field) and must suit the collaborative's status; selecting a team (status `selected`,
    `active` or `completed`) needs exactly one current lead and a free place."""
    team = service.get_team_for_change(session, team.id)
    changes = body.model_dump(exclude_unset=True)
    ensure_may_set(principal, changes, PRIVILEGED_FIELDS)
    require_current(team, if_match)
    before = (
        team.status,
        team.coach_id,
        sorted(o.ods_code for o in team.organisations),
        _refs(team),
    )
    service.update_team(session, team, body)
    _record_changes(audit_trail(request), team, *before)
    with_etag(response, team)
    return _as_read(session, [team], principal)[0]


def _refs(team: Team) -> str:
    return " ".join(f"{ref.ods_code or ref.system}:{ref.ref}" for ref in team.external_refs)


def _record_changes(
    trail: AuditTrail,
    team: Team,
    status: TeamStatus,
    coach_id: uuid.UUID | None,
    organisations: list[str],
    refs: str,
) -> None:
    """Who changed what that decides a team's place and reach, or which extract rows feed it
    (never any other field)."""
    subject = str(team.id)
    if team.status != status:
        action = (
            AuditAction.TEAM_SELECTED
            if team.status == TeamStatus.SELECTED
            else AuditAction.TEAM_STATUS_CHANGED
        )
        trail.record(action, "success", subject=subject, reason=f"{status} -> {team.status}")
    if team.coach_id != coach_id:
        trail.record(
            AuditAction.TEAM_COACH_CHANGED,
            "success",
            subject=subject,
            reason=f"coach {coach_id} -> {team.coach_id}",
        )
    now = sorted(o.ods_code for o in team.organisations)
    if now != organisations:
        trail.record(
            AuditAction.TEAM_ORGANISATIONS_CHANGED,
            "success",
            subject=subject,
            reason=f"{' '.join(organisations)} -> {' '.join(now)}",
        )
    if _refs(team) != refs:
        trail.record(
            AuditAction.TEAM_EXTERNAL_REFS_CHANGED,
            "success",
            subject=subject,
            reason=f"{refs or '(none)'} -> {_refs(team) or '(none)'}",
        )


@router.delete("/{team_id}", status_code=204, summary="Remove a team", responses=DELETE)
def delete_team(
    team: AdministeredTeam, session: SessionDep, request: Request, if_match: IfMatch = None
) -> None:
    """Removes a team with no members, measures or data (409 otherwise: withdraw it instead)."""
    require_current(team, if_match)
    service.delete_team(session, team)
    audit_trail(request).record(AuditAction.TEAM_DELETED, "success", subject=str(team.id))
