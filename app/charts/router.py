"""HTTP endpoints for charts: a posted series, a stored series, and the dashboard."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.dependencies import Allow, Reader
from app.auth.principal import CHART, Principal
from app.charts import service
from app.charts.schemas import (
    Annotation,
    ChartRead,
    ChartRequest,
    DashboardRead,
    PostedChartRead,
    RebaseNote,
    SeriesChartRead,
)
from app.charts.svg import Labels
from app.collaboratives import service as collaboratives_service
from app.errors import NotAcceptable, TooManyRequests
from app.http.deps import READ_ONLY, SessionDep
from app.http.problems import guarded
from app.http.ratelimit import RateLimiter
from app.http.responses import preferred_media_type
from app.measures import service as measures_service
from app.reach import conditions as reach
from app.reach.dependencies import ReadableTeam
from app.spc import ChartResult, ChartType

router = APIRouter(tags=["charts"])

SVG = "image/svg+xml"
JSON = "application/json"
Format = Annotated[
    Literal["json", "svg"] | None,
    Query(
        alias="format",
        description="`svg` for an image, `json` for JSON; when given, it wins over `Accept`.",
    ),
]
DEFAULT_TITLES = {
    ChartType.XMR: "XmR chart",
    ChartType.RUN: "Run chart",
    ChartType.P: "P chart",
    ChartType.U: "U chart",
    ChartType.C: "C chart",
}
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


def wants_svg(request: Request, output: Format = None) -> bool:
    """JSON or SVG: `?format=` decides when given, else the Accept header; 406 when that
    header accepts neither. A dependency, so a 406 comes before any work on the body."""
    if output is not None:
        return output == "svg"
    chosen = preferred_media_type(request.headers.get("accept"), (JSON, SVG))
    if chosen is None:
        raise NotAcceptable(
            f"This endpoint answers {JSON} or {SVG} (also with ?format=svg);"
            " the Accept header allows neither."
        )
    return chosen == SVG


WantsSvg = Annotated[bool, Depends(wants_svg)]


@router.post(
    "/spc/charts",
    dependencies=[READ_ONLY, Depends(within_chart_rate)],
    summary="Chart a posted series",
    response_model=PostedChartRead,
    responses={**SVG_RESPONSE, **guarded(400, 406, 413, 415, 422, 429)},
)
def create_chart(body: ChartRequest, svg: WantsSvg) -> Any:
    """Computes a run, XmR, P, U or C chart the NHS "Making Data Count" way, storing nothing:
    centre, limits and two-sigma lines per point, the special-cause rules, the Anhoej runs
    analysis per period, the variation icon and the assurance against `target`.

    Points are validated as stored ones are (a P or U point takes numerator and denominator, an
    XmR or run point a value, a C point a whole count), except that nulls mark a missing value.
    An empty series, or a period with too few values for reliable limits, is charted with a
    warning. A point's `note` becomes a numbered annotation, and `rebases` take the shape of
    `PUT .../rebases`; the SVG shows both, under `title`.

    At most 2,000 points; each caller may post 60 charts a minute (`QI_CHART_REQUESTS_PER_MINUTE`),
    then 429 with `Retry-After`."""
    chart = service.chart_or_invalid(body)
    annotations = service.posted_annotations(body)
    rebases = service.posted_rebases(body)
    if svg:
        title = body.title or DEFAULT_TITLES[body.chart]
        heading = Labels(title, body.subtitle or "", body.unit, body.target)
        return _svg(chart, heading, annotations, rebases)
    read = ChartRead.model_validate(chart, from_attributes=True).model_dump()
    return PostedChartRead.model_validate(read | {"annotations": annotations, "rebases": rebases})


def _svg(
    chart: ChartResult, heading: Labels, annotations: list[Annotation], rebases: list[RebaseNote]
) -> Response:
    """The chart drawn under `heading`, with its notes and the reasons for its breaks."""
    return Response(service.render(chart, heading, annotations, rebases), media_type=SVG)


@router.get(
    "/teams/{team_id}/measures/{measure_id}/chart",
    summary="Chart a team's series",
    response_model=SeriesChartRead,
    responses={**SVG_RESPONSE, **guarded(404, 406, 422)},
)
def get_series_chart(
    team: ReadableTeam, measure_id: uuid.UUID, session: SessionDep, svg: WantsSvg
) -> Any:
    """The chart of the team's stored points, with the measure's chart type, improvement
    direction and target, the team's rebase dates, and the points' notes as annotations."""
    measure = measures_service.get_team_measure(session, team, measure_id)
    chart, annotations, rebases = service.series_chart(session, team, measure)
    if svg:
        heading = Labels(measure.name, team.name, measure.unit, measure.target)
        return _svg(chart, heading, annotations, rebases)
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
            "rebases": rebases,
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
