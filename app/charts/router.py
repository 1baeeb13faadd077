"""HTTP endpoints for charts: a posted series, a stored series, and the dashboard."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth import reach
from app.auth.dependencies import Allow, ReadableTeam, Reader
from app.auth.principal import CHART, Principal
from app.charts import service
from app.charts.schemas import ChartRead, ChartRequest, DashboardRead, SeriesChartRead
from app.charts.svg import Labels, render_svg
from app.collaboratives import service as collaboratives_service
from app.deps import READ_ONLY, SessionDep
from app.errors import TooManyRequests
from app.measures import service as measures_service
from app.problems import guarded
from app.ratelimit import RateLimiter

router = APIRouter(tags=["charts"])

SVG = "image/svg+xml"
Format = Annotated[
    Literal["json", "svg"] | None,
    Query(
        alias="format",
        description="`svg` for an image; the same as sending `Accept: image/svg+xml`.",
    ),
]
SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {SVG: {"schema": {"type": "string"}}}}
}


def within_chart_rate(
    request: Request, principal: Annotated[Principal, Depends(Allow(CHART))]
) -> Principal:
    """The CHART permission, and the caller's allowance of posted charts per minute."""
    limiter: RateLimiter = request.app.state.chart_limiter
    wait = limiter.take(principal.actor)
    if wait is not None:
        raise TooManyRequests(
            "Too many charts posted this minute; wait before posting more.",
            retry_after_seconds=wait,
        )
    return principal


def wants_svg(request: Request, output: str | None) -> bool:
    if output is not None:
        return output == "svg"
    accept = request.headers.get("accept", "")
    return SVG in accept and "application/json" not in accept


@router.post(
    "/spc/charts",
    dependencies=[READ_ONLY, Depends(within_chart_rate)],
    summary="Chart a posted series",
    response_model=ChartRead,
    responses={**SVG_RESPONSE, **guarded(400, 413, 415, 422, 429)},
)
def create_chart(body: ChartRequest, request: Request, output: Format = None) -> Any:
    """Computes a run, XmR, P, U or C chart the NHS "Making Data Count" way, storing nothing:
    centre, limits and two-sigma lines per point, the special-cause rules, the Anhoej runs
    analysis per period, the variation icon and the assurance against `target`.

    At most 2,000 points; each caller may post 60 charts a minute (`QI_CHART_REQUESTS_PER_MINUTE`),
    then 429 with `Retry-After`."""
    points = [point.as_series_point() for point in body.points]
    chart = service.chart_or_invalid(points, body.options())
    if wants_svg(request, output):
        title = f"{body.chart.value.upper()} chart"
        return Response(render_svg(chart, Labels(title, target=body.target)), media_type=SVG)
    return ChartRead.model_validate(chart, from_attributes=True)


@router.get(
    "/teams/{team_id}/measures/{measure_id}/chart",
    summary="Chart a team's series",
    response_model=SeriesChartRead,
    responses={**SVG_RESPONSE, **guarded(404, 422)},
)
def get_series_chart(
    team: ReadableTeam,
    measure_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    output: Format = None,
) -> Any:
    """The chart of the team's stored points, with the measure's chart type, improvement
    direction and target, the team's rebase dates, and the points' notes as annotations."""
    measure = measures_service.get_team_measure(session, team, measure_id)
    chart, annotations = service.series_chart(session, team, measure)
    if wants_svg(request, output):
        labels = Labels(measure.name, team.name, measure.unit, measure.target)
        return Response(render_svg(chart, labels), media_type=SVG)
    body = ChartRead.model_validate(chart, from_attributes=True).model_dump()
    return SeriesChartRead.model_validate(
        body
        | {
            "team_id": team.id,
            "measure_id": measure.id,
            "measure_code": measure.code,
            "measure_name": measure.name,
            "unit": measure.unit,
            "target": measure.target,
            "improvement_direction": measure.improvement_direction,
            "annotations": annotations,
        }
    )


@router.get(
    "/collaboratives/{collaborative_id}/dashboard",
    summary="Every team's latest position on every shared measure",
    response_model=DashboardRead,
    responses=guarded(404, 422),
)
def get_dashboard(
    collaborative_id: uuid.UUID, session: SessionDep, principal: Reader
) -> DashboardRead:
    """For each selected, active or completed team and each shared measure: the latest value
    and date, the variation icon, the assurance and the number of points. Each team (id,
    name, status) and each measure (code, name, unit, direction, chart type, frequency,
    target) is listed once beside the cells, so no further call is needed to label them.

    Only the teams the caller can open are shown: admins see every team; coaches and members
    the teams they coach or currently belong to; a trust's client its organisations' teams.
    The measures are shown to everyone who can read the collaborative."""
    collaborative = collaboratives_service.get_collaborative(session, collaborative_id)
    return service.dashboard(session, collaborative, reach.teams_condition(principal))
