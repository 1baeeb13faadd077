"""HTTP endpoints for /measures."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.access import ensure_may_set
from app.auth.dependencies import IDEMPOTENT, Reader, TeamManager
from app.auth.principal import Principal
from app.bindings import service as bindings
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, SettingsDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, page_of, with_etag
from app.measures import service
from app.measures.models import Measure, MeasureKind
from app.measures.schemas import MeasureCreate, MeasureRead, MeasureUpdate
from app.pagination import DEFAULT_LIMIT
from app.reach.conditions import ensure_measure_in_reach, ensure_team_in_reach, measures_condition
from app.schemas import NO_NUL, Page

router = APIRouter(prefix="/measures", tags=["measures"])


def _ensure_may_define(
    session: SessionDep,
    principal: Principal,
    collaborative_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
) -> None:
    """Shared measures are the programme lead's; a team's own also its coach's."""
    if collaborative_id is not None:
        ensure_may_set(principal, ["collaborative_id"], ["collaborative_id"])
    elif team_id is not None and (team := service.owning_team(session, team_id)) is not None:
        ensure_team_in_reach(session, principal, team)


@router.get(
    "",
    summary="List measures",
    response_model=Page[MeasureRead],
    responses=LIST,
)
def list_measures(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    collaborative_id: uuid.UUID | None = None,
    team_id: Annotated[
        uuid.UUID | None,
        Query(description="The team's own measures and those its collaborative shares."),
    ] = None,
    kind: MeasureKind | None = None,
    code: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    *,
    principal: Reader,
) -> Page[MeasureRead]:
    """Shared measures, and the own measures of the teams the caller may see."""
    items, next_cursor = service.list_measures(
        session,
        visible=measures_condition(principal),
        limit=limit,
        cursor=cursor,
        collaborative_id=collaborative_id,
        team_id=team_id,
        kind=kind,
        code=code,
    )
    return page_of(MeasureRead, items, next_cursor)


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Define a measure",
    response_model=MeasureRead,
    responses=CREATE,
)
def create_measure(
    body: MeasureCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: TeamManager,
    settings: SettingsDep,
) -> Measure:
    """Shared by a collaborative (`collaborative_id`, programme leads only) or a team's own
    (`team_id`, also its coach), not both."""
    # Before the permission it implies: a body with both owners or none is refused as
    # invalid whoever sends it.
    service.check_one_owner(body.collaborative_id, body.team_id)
    _ensure_may_define(session, principal, body.collaborative_id, body.team_id)
    measure = service.create_measure(session, body)
    if measure.data_source is not None:
        bindings.recompute_measure(session, measure, threshold=settings.min_responses)
    created(response, f"{request.url.path}/{measure.id}", measure)
    return measure


@router.get(
    "/{measure_id}",
    summary="Get a measure",
    response_model=MeasureRead,
    responses=READ_ONE,
)
def get_measure(
    measure_id: uuid.UUID, session: SessionDep, response: Response, principal: Reader
) -> Measure:
    """A shared measure, or a team's own measure if the caller may see the team (404
    otherwise), with its ETag."""
    measure = service.get_measure(session, measure_id)
    ensure_measure_in_reach(session, principal, measure)
    with_etag(response, measure)
    return measure


@router.patch(
    "/{measure_id}", summary="Change a measure", response_model=MeasureRead, responses=UPDATE
)
def update_measure(
    measure_id: uuid.UUID,
    body: MeasureUpdate,
    session: SessionDep,
    response: Response,
    principal: TeamManager,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Measure:
    """Changes only the fields sent; the chart type is fixed once data exists."""
    measure = service.get_measure(session, measure_id)
    _ensure_may_define(session, principal, measure.collaborative_id, measure.team_id)
    require_current(measure, if_match)
    service.update_measure(session, measure, body)
    if "data_source" in body.model_fields_set:
        bindings.recompute_measure(session, measure, threshold=settings.min_responses)
    with_etag(response, measure)
    return measure


@router.delete("/{measure_id}", status_code=204, summary="Remove a measure", responses=DELETE)
def delete_measure(
    measure_id: uuid.UUID, session: SessionDep, principal: TeamManager, if_match: IfMatch = None
) -> None:
    """Removes a measure no team has recorded data for (409 otherwise)."""
    measure = service.get_measure(session, measure_id)
    _ensure_may_define(session, principal, measure.collaborative_id, measure.team_id)
    require_current(measure, if_match)
    service.delete_measure(session, measure)
