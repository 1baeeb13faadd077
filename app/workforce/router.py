"""HTTP endpoint for /teams/{team_id}/workforce: a team's stored months and their metrics."""

from dataclasses import asdict

from fastapi import APIRouter

from app.http.deps import SessionDep, SettingsDep
from app.http.problems import READ_ONE
from app.reach.dependencies import ReadableTeam
from app.workforce import service
from app.workforce.schemas import (
    MetricPointRead,
    WorkforceMetricsRead,
    WorkforceMonthRead,
    WorkforceRead,
)

router = APIRouter(prefix="/teams/{team_id}/workforce", tags=["workforce"])


@router.get(
    "",
    summary="Read a team's workforce figures and metrics",
    response_model=WorkforceRead,
    responses=READ_ONE,
)
def read_workforce(team: ReadableTeam, session: SessionDep, settings: SettingsDep) -> WorkforceRead:
    """The team's monthly workforce figures as imported (`workforce-monthly`), oldest month
    first, each with the import that stored it, and the metrics derived from them: leaver
    rate (leavers / mean headcount x 100), sickness absence rate, vacancy rate, leavers,
    starters, and the rolling 12-month stability index and leaver rate.

    Small numbers are suppressed (ingest 5.4): a month whose `headcount_start` is below the
    threshold (`QI_MIN_RESPONSES`, default 10) shows no figures, no rates and no counts, and a
    rolling point is suppressed when any month in its window is; a sickness rate (and its two
    figures) is suppressed too when `fte_days_available` is 330 or fewer."""
    found = service.team_workforce(session, team.id, settings.min_responses)
    return WorkforceRead(
        team_id=team.id,
        threshold=found.threshold,
        months=[
            WorkforceMonthRead.model_validate(
                {
                    "month": stored.shown.month,
                    "suppressed": stored.shown.suppressed,
                    "sickness_suppressed": stored.shown.sickness_suppressed,
                    "import_id": stored.import_id,
                    **stored.shown.figures,
                }
            )
            for stored in found.months
        ],
        metrics=WorkforceMetricsRead.model_validate(
            {
                metric.value: [MetricPointRead(**asdict(point)) for point in points]
                for metric, points in found.metrics.items()
            }
        ),
    )
