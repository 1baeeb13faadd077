"""HTTP endpoints for /teams/{team_id}/measures/{measure_id}/rebases."""

import uuid

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from app.http.concurrency import list_etag, require_tag
from app.http.deps import IfMatch, SessionDep
from app.http.problems import UPDATE, guarded
from app.http.responses import page_of, with_etag
from app.measures import service as measures_service
from app.measures.models import Measure
from app.reach.dependencies import ReadableTeam, RecordableTeam
from app.rebases import service
from app.rebases.schemas import RebaseList, RebaseRead
from app.schemas import Page
from app.teams import service as teams_service
from app.teams.models import Team

router = APIRouter(prefix="/teams/{team_id}/measures/{measure_id}/rebases", tags=["rebases"])


@router.get(
    "",
    summary="Where a team's chart starts new periods",
    response_model=Page[RebaseRead],
    responses=guarded(404, 422),
)
def list_rebases(
    team: ReadableTeam, measure_id: uuid.UUID, session: SessionDep, response: Response
) -> Page[RebaseRead]:
    """The rebase dates of the team's series for this measure, in date order. The `ETag` names
    the version of the list: send it as `If-Match` to replace the list."""
    measure = measures_service.get_team_measure(session, team, measure_id)
    # The tag first: a list changed between the two reads then gives a stale tag, never a
    # current tag for rows the caller did not see.
    with_etag(response, _rebases_etag(session, team, measure))
    return page_of(RebaseRead, service.list_rebases(session, team, measure), None)


@router.put(
    "",
    summary="Set where a team's chart starts new periods",
    response_model=Page[RebaseRead],
    responses=UPDATE,
)
def replace_rebases(
    team: RecordableTeam,
    measure_id: uuid.UUID,
    body: RebaseList,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Page[RebaseRead]:
    """Replaces the list. When a team decides a change is embedded, it rebases the chart at the
    first point after the change: that point starts a new period with its own centre line,
    limits and rules. Each date must be the `period_start` of a stored point, not the first.

    Send `If-Match` with the `ETag` of `GET .../rebases`: without it 428, and 412 when the list
    has changed since. The response's `ETag` names the new list."""
    # Locked before the comparison: two PUTs naming the same version cannot both pass it.
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    require_tag(_rebases_etag(session, team, measure), if_match)
    rows = service.replace_rebases(session, team, measure, body)
    with_etag(response, _rebases_etag(session, team, measure))
    return page_of(RebaseRead, rows, None)


def _rebases_etag(session: Session, team: Team, measure: Measure) -> str:
    """The ETag of the series' whole rebase list."""
    return list_etag(
        "rebases", [team.id, measure.id], service.rebase_versions(session, team, measure)
    )
