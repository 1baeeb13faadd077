"""HTTP endpoints for /teams/{team_id}/measures/{measure_id}/rebases."""

import uuid

from fastapi import APIRouter

from app.auth.dependencies import ReadableTeam, RecordableTeam
from app.deps import SessionDep
from app.measures import service as measures_service
from app.problems import guarded
from app.rebases import service
from app.rebases.schemas import RebaseList, RebaseRead
from app.responses import page_of
from app.schemas import Page
from app.teams import service as teams_service

router = APIRouter(prefix="/teams/{team_id}/measures/{measure_id}/rebases", tags=["rebases"])


@router.get(
    "",
    summary="Where a team's chart starts new periods",
    response_model=Page[RebaseRead],
    responses=guarded(404, 422),
)
def list_rebases(
    team: ReadableTeam, measure_id: uuid.UUID, session: SessionDep
) -> Page[RebaseRead]:
    """The rebase dates of the team's series for this measure, in date order."""
    measure = measures_service.get_team_measure(session, team, measure_id)
    return page_of(RebaseRead, service.list_rebases(session, team, measure), None)


@router.put(
    "",
    summary="Set where a team's chart starts new periods",
    response_model=Page[RebaseRead],
    responses=guarded(400, 404, 409, 413, 415, 422),
)
def replace_rebases(
    team: RecordableTeam, measure_id: uuid.UUID, body: RebaseList, session: SessionDep
) -> Page[RebaseRead]:
    """Replaces the list. When a team decides a change is embedded, it rebases the chart at the
    first point after the change: that point starts a new period with its own centre line,
    limits and rules. Each date must be the `period_start` of a stored point, not the first."""
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    return page_of(RebaseRead, service.replace_rebases(session, team, measure, body), None)
