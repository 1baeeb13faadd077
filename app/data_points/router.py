"""HTTP endpoints for /teams/{team_id}/measures/{measure_id}/data."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.convertors import StringConvertor, register_url_convertor

from app.data_points import service
from app.data_points.schemas import (
    DataPointBatch,
    DataPointBatchResult,
    DataPointDeletion,
    DataPointDeletionResult,
    DataPointRead,
)
from app.errors import FieldProblem, InvalidInput
from app.http.deps import Cursor, Limit, SessionDep
from app.http.problems import CREATE, LIST, UPDATE, guarded
from app.http.responses import page_of
from app.measures import service as measures_service
from app.pagination import DEFAULT_LIMIT
from app.reach.dependencies import ReadableTeam, RecordableTeam
from app.schemas import JsonDate, Page
from app.teams import service as teams_service


class _IsoDateConvertor(StringConvertor):
    """Matches only YYYY-MM-DD, so `.../data/delete` is never taken for a period: each path
    has one meaning and advertises only its own methods. The date itself is checked later."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


register_url_convertor("isodate", _IsoDateConvertor())

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
    period_start_from: Annotated[
        JsonDate | None,
        Query(description="Only points whose `period_start` is on or after this date, YYYY-MM-DD."),
    ] = None,
    period_start_to: Annotated[
        JsonDate | None,
        Query(
            description="Only points whose `period_start` is on or before this date (YYYY-MM-DD);"
            " 422 when it is before `period_start_from`."
        ),
    ] = None,
) -> Page[DataPointRead]:
    """The team's points for a shared or own measure, ordered by `period_start`; a date range
    keeps its filters from page to page (send them again with `cursor`)."""
    if (
        period_start_from is not None
        and period_start_to is not None
        and period_start_from > period_start_to
    ):
        raise InvalidInput(
            "The date range is empty: `period_start_to` is before `period_start_from`.",
            [FieldProblem(("query", "period_start_to"), "must not be before period_start_from")],
        )
    measure = measures_service.get_team_measure(session, team, measure_id)
    items, next_cursor = service.list_points(
        session,
        team,
        measure,
        limit=limit,
        cursor=cursor,
        period_start_from=period_start_from,
        period_start_to=period_start_to,
    )
    return page_of(DataPointRead, items, next_cursor)


@router.put(
    "",
    summary="Write a batch of data points",
    response_model=DataPointBatchResult,
    responses={key: value for key, value in UPDATE.items() if key not in (412, 428)},
)
def upsert_points(
    team: RecordableTeam,
    measure_id: uuid.UUID,
    body: DataPointBatch,
    session: SessionDep,
    overwrite: Annotated[
        bool,
        Query(description="Replace stored points that differ from the ones sent (else 409)."),
    ] = False,
) -> DataPointBatchResult:
    """Adds points keyed by `period_start`, all or nothing: one bad point and nothing is
    stored, and the 422 names every bad field by its index in `points`.

    A point already stored is left as it is when sent again unchanged (counted in
    `unchanged`), so a feed can safely send the same points again. A point that differs from
    the stored one (its value, numerator, denominator, note or source; a field left out counts
    as null) is refused: 409 `point-exists` naming each such point (`body.points.N`), and
    nothing is stored. Send `?overwrite=true` to replace such points (counted in `updated`).
    No If-Match is needed: the batch changes points, not a versioned list. A point an import
    stored as `suppressed` (too few respondents or staff to show) is replaced by a typed one
    only with `?overwrite=true`; clients cannot send `suppressed` themselves.

    `period_start` is the first day of its period: a Monday for a weekly measure, the 1st for
    a monthly one, 1 January, 1 April, 1 July or 1 October for a quarterly one.

    `p` and `u` measures take `numerator` and `denominator` (for `p`, numerator <=
    denominator); `xmr` and `run` take a finite `value`; `c` a whole count of 0 or more."""
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    outcome = service.upsert_points(session, team, measure, body.points, overwrite=overwrite)
    return DataPointBatchResult.model_validate(outcome, from_attributes=True)


@router.delete(
    "/{period_start:isodate}",
    status_code=204,
    summary="Delete one data point",
    responses=guarded(404, 409, 422),
)
def delete_point(
    team: RecordableTeam, measure_id: uuid.UUID, period_start: date, session: SessionDep
) -> None:
    """Deletes the team's point for the period starting `period_start` (YYYY-MM-DD): 204 when
    deleted, 404 when there is no such point, so repeating a delete is harmless. Points carry
    no ETag: a point is identified by its period, and a delete removes whatever that period
    holds. 409 when a rebase starts on the point, or would start on the series' first point
    once it is gone: remove the rebase first. The chart and dashboard no longer show it."""
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    service.delete_point(session, team, measure, period_start)


@router.post(
    "/delete",
    summary="Delete a batch of data points",
    response_model=DataPointDeletionResult,
    responses=CREATE,
)
def delete_points(
    team: RecordableTeam, measure_id: uuid.UUID, body: DataPointDeletion, session: SessionDep
) -> DataPointDeletionResult:
    """Deletes the points for every listed `period_start`, all or nothing: a date listed twice
    or with no point is a 422 naming its index in `period_starts`, and nothing is deleted.
    409 as for deleting one point, when a rebase would be left without its point."""
    team = teams_service.get_team_for_data(session, team.id)
    measure = measures_service.get_team_measure(session, team, measure_id)
    deleted = service.delete_points(session, team, measure, body)
    return DataPointDeletionResult(deleted=len(deleted), period_starts=deleted)
