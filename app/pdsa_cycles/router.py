"""HTTP endpoints for PDSA cycles and the collaborative's change package."""

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from app.auth.dependencies import CAN_READ, IDEMPOTENT, Reader, TeamWorker
from app.auth.principal import Principal
from app.clock import today
from app.collaboratives import service as collaboratives_service
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE, guarded
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.pdsa_cycles import service
from app.pdsa_cycles.models import CycleStatus, PdsaCycle
from app.pdsa_cycles.schemas import (
    ChangePackageRead,
    PdsaCycleCreate,
    PdsaCycleRead,
    PdsaCycleUpdate,
)
from app.reach.conditions import ensure_object_in_reach
from app.reach.dependencies import ReadableTeam, WorkedTeam
from app.schemas import Page
from app.teams import service as teams_service
from app.teams.models import Team

router = APIRouter(tags=["pdsa cycles"])
CYCLES = "/teams/{team_id}/pdsa-cycles"
ONE = "/pdsa-cycles/{cycle_id}"


@router.get(
    CYCLES,
    summary="List a team's PDSA cycles",
    response_model=Page[PdsaCycleRead],
    responses={**LIST, **guarded(404)},
)
def list_cycles(
    team: ReadableTeam,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    change_idea_id: uuid.UUID | None = None,
    status: CycleStatus | None = None,
    measure_id: uuid.UUID | None = None,
) -> Page[PdsaCycleRead]:
    """The team's cycles by start day; filter by idea, status or a measure they watch."""
    items, next_cursor = service.list_cycles(
        session,
        team,
        limit=limit,
        cursor=cursor,
        change_idea_id=change_idea_id,
        status=status,
        measure_id=measure_id,
    )
    return page_of(PdsaCycleRead, items, next_cursor)


@router.post(
    CYCLES,
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Plan a PDSA cycle",
    response_model=PdsaCycleRead,
    responses=CREATE,
)
def create_cycle(
    team: WorkedTeam, body: PdsaCycleCreate, session: SessionDep, response: Response
) -> PdsaCycle:
    """A cycle testing one of the team's ideas, numbered 1, 2, ... within the idea. `done`
    needs `study` and `decision` (409 `cycle-incomplete`); its start and decision show on the
    charts of its `measure_ids`."""
    locked = teams_service.get_team_for_data(session, team.id)
    cycle = service.create_cycle(session, locked, body, on=today())
    created(response, f"/api/v1/pdsa-cycles/{cycle.id}", cycle)
    return cycle


def _cycle_in_reach(
    session: Session, principal: Principal, cycle_id: uuid.UUID
) -> tuple[PdsaCycle, Team]:
    cycle = service.get_cycle(session, cycle_id)
    team = ensure_object_in_reach(session, principal, cycle.team_id, "PDSA cycle", cycle_id)
    return cycle, team


def _locked(session: Session, principal: Principal, cycle_id: uuid.UUID) -> tuple[PdsaCycle, Team]:
    """The cycle for a change: its team in reach and locked, the cycle read afresh under the
    lock (check If-Match after this)."""
    cycle, team = _cycle_in_reach(session, principal, cycle_id)
    team = teams_service.get_team_for_data(session, team.id)
    session.refresh(cycle)
    return cycle, team


@router.get(ONE, summary="Get a PDSA cycle", response_model=PdsaCycleRead, responses=READ_ONE)
def get_cycle(
    cycle_id: uuid.UUID, session: SessionDep, response: Response, principal: Reader
) -> PdsaCycle:
    """A cycle of a team the caller reaches (404 otherwise), with its ETag."""
    cycle, _ = _cycle_in_reach(session, principal, cycle_id)
    with_etag(response, cycle)
    return cycle


@router.patch(ONE, summary="Change a PDSA cycle", response_model=PdsaCycleRead, responses=UPDATE)
def update_cycle(
    cycle_id: uuid.UUID,
    body: PdsaCycleUpdate,
    session: SessionDep,
    response: Response,
    principal: TeamWorker,
    if_match: IfMatch = None,
) -> PdsaCycle:
    """Changes the fields sent. The status moves forward only (409 back); `done` needs
    `study` and `decision` (409 `cycle-incomplete`), and sets the idea's status: `adopt` ->
    `adopted`, `adapt` -> `testing`, `abandon` -> `abandoned`."""
    cycle, team = _locked(session, principal, cycle_id)
    require_current(cycle, if_match)
    service.update_cycle(session, team, cycle, body, on=today())
    with_etag(response, cycle)
    return cycle


@router.delete(ONE, status_code=204, summary="Remove a PDSA cycle", responses=DELETE)
def delete_cycle(
    cycle_id: uuid.UUID, session: SessionDep, principal: TeamWorker, if_match: IfMatch = None
) -> None:
    """Removes the cycle; its idea keeps its status."""
    cycle, _ = _locked(session, principal, cycle_id)
    require_current(cycle, if_match)
    service.delete_cycle(session, cycle)


@router.get(
    "/collaboratives/{collaborative_id}/change-package",
    dependencies=[CAN_READ],
    summary="The collaborative's change package",
    response_model=ChangePackageRead,
    responses=READ_ONE,
)
def change_package(collaborative_id: uuid.UUID, session: SessionDep) -> ChangePackageRead:
    """The ideas the selected teams marked `shared`, with their outcome (status, cycles, the
    latest decision), grouped by driver: what other teams can test and scale up. It is the
    whole collaborative's by design."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    return service.change_package_read(session, collaborative_id)
