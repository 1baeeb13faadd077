"""HTTP endpoints for /teams/{team_id}/survey-results and
/collaboratives/{collaborative_id}/equality-gaps."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.audit.actions import AuditAction
from app.auth.dependencies import CAN_ADMINISTER
from app.collaboratives import service as collaboratives_service
from app.http.deps import Cursor, Limit, SessionDep, SettingsDep, audit_trail
from app.http.problems import LIST, READ_ONE, guarded
from app.pagination import DEFAULT_LIMIT
from app.reach.dependencies import ReadableTeam
from app.schemas import NO_NUL, JsonDate, Page
from app.survey_results import equality_gaps, service
from app.survey_results.models import GROUP_LENGTH, SURVEY_CODE_LENGTH
from app.survey_results.schemas import EqualityGapsRead, SurveyResultsRead

router = APIRouter(tags=["survey results"])


@router.get(
    "/teams/{team_id}/survey-results",
    summary="Read a team's survey results",
    response_model=Page[SurveyResultsRead],
    responses={**LIST, **guarded(404)},
)
def list_survey_results(
    team: ReadableTeam,
    session: SessionDep,
    settings: SettingsDep,
    survey: Annotated[
        str | None,
        Query(
            max_length=SURVEY_CODE_LENGTH,
            pattern=NO_NUL,
            description="Only this survey's results (422 for a survey that does not exist).",
        ),
    ] = None,
    period_from: Annotated[
        JsonDate | None,
        Query(alias="from", description="Only periods starting on or after this date."),
    ] = None,
    period_to: Annotated[
        JsonDate | None,
        Query(
            alias="to",
            description="Only periods starting on or before this date (422 before `from`).",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[SurveyResultsRead]:
    """The results stored for the team, one item per survey and period, oldest period
    first: per question `respondents`, `favourable`, `percent_favourable` and `mean_score`,
    and per composite score `respondents` and `value`. A result with fewer respondents than
    the threshold (QI_MIN_RESPONSES: 10 unless configured, never below 5) is suppressed:
    every figure null and `suppressed: true`, so no count under the threshold appears."""
    items, next_cursor = service.list_team_results(
        session,
        team,
        survey=survey,
        period_from=period_from,
        period_to=period_to,
        threshold=settings.min_responses,
        limit=limit,
        cursor=cursor,
    )
    return Page[SurveyResultsRead](items=items, next_cursor=next_cursor)


@router.get(
    "/collaboratives/{collaborative_id}/equality-gaps",
    dependencies=[CAN_ADMINISTER],
    summary="Equality gaps in a collaborative's survey results",
    response_model=EqualityGapsRead,
    responses=READ_ONE,
)
def get_equality_gaps(
    collaborative_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    survey: Annotated[str, Query(min_length=1, max_length=SURVEY_CODE_LENGTH, pattern=NO_NUL)],
    question: Annotated[str, Query(min_length=1, max_length=64, pattern=NO_NUL)],
    group: Annotated[
        str,
        Query(
            min_length=1,
            max_length=GROUP_LENGTH,
            pattern=NO_NUL,
            description="The group type: `ethnicity` (white vs bme, as WRES), `disability`"
            " (disabled vs not_disabled, as WDES), or another group column's name.",
        ),
    ],
    period: Annotated[
        JsonDate | None,
        Query(
            description="The first day of the survey period; the latest period with group"
            " results when left out."
        ),
    ] = None,
) -> EqualityGapsRead:
    """Per team and for the collaborative as a whole, each group's `percent_favourable`
    (and `percent_adverse` for reverse questions), and against the reference group (`white`,
    `not_disabled`) the gap in percentage points and the relative likelihood. A group with
    fewer respondents than the threshold is suppressed, and further groups wherever a
    suppressed one could be worked out by subtraction; a gap shows only where both groups
    do; counts are rounded to the nearest 5. Admins only; every read is audited."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    gaps = equality_gaps.collaborative_gaps(
        session,
        collaborative_id,
        survey=survey,
        question=question,
        group=group,
        period=period,
        threshold=settings.min_responses,
    )
    audit_trail(request).record(
        AuditAction.EQUALITY_GAPS_READ, "success", subject=str(collaborative_id)
    )
    return gaps
