"""HTTP endpoints for /teams/{team_id}/measures/{measure_id}/data."""

import uuid

from fastapi import APIRouter

from app.auth.dependencies import ReadableTeam, RecordableTeam
from app.data_points import service
from app.data_points.schemas import DataPointBatch, DataPointBatchResult, DataPointRead
from app.deps import Cursor, Limit, SessionDep
from app.measures import service as measures_service
from app.pagination import DEFAULT_LIMIT
from app.problems import LIST, UPDATE, guarded
from app.responses import page_of
from app.schemas import Page
from app.teams import service as teams_service

router = APIRouter(prefix="/teams/{team_id}/measures/{measure_id}/data", tags=["data"])


@router.get(
    "",
    summary="Read a team's series for a measure",
    response_model=Page[DataPointRead],
    responses={**LIST, **guarded(404)},
)
def list_points(
    team: ReadableTeam,
    measure_id: uuid.UUID,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[DataPointRead]:
    """The team's points for a shared or own measure, ordered by `period_start`."""
    measure = measures_service.get_team_measure(session, team, measure_id)
    items, next_cursor = service.list_points(session, team, measure, limit=limit, cursor=cursor)
    return page_of(DataPointRead, items, next_cursor)


@router.put(
    "",
    summary="Write a batch of data points",
    response_model=DataPointBatchResult,
    responses={key: value for key, value in UPDATE.items() if key not in (412, 428)},
)
def upsert_points(
    team: RecordableTeam, measure_id: uuid.UUID, body: DataPointBatch, session: SessionDep
) -> DataPointBatchResult:
    """Creates or replaces points keyed by `period_start`, all or nothing: one bad point and
    nothing is stored, and the 422 names every bad field by its index in `points`.

    `p` and `u` measures take `numerator` and `denominator` (for `p`, numerator <=
    denominator); `xmr` and `run` take a finite `value`; `c` a whole count of 0 or more."""
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    points, created, updated = service.upsert_points(session, team, measure, body)
    return DataPointBatchResult.model_validate(
        {"created": created, "updated": updated, "items": points}, from_attributes=True
    )
