"""HTTP endpoints for progress scores, the scale and a collaborative's progress."""

import uuid

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import CAN_READ, IDEMPOTENT, Caller, Reader
from app.collaboratives import service as collaboratives_service
from app.http.deps import Cursor, Limit, SessionDep
from app.http.problems import CREATE, LIST, READ_ONE, guarded
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.progress import service
from app.progress.models import Assessor, ProgressScore
from app.progress.scale import SCALE
from app.progress.schemas import (
    CollaborativeProgressRead,
    LatestScores,
    ProgressScoreCreate,
    ProgressScoreRead,
    ScaleLevelRead,
    TeamProgressRead,
)
from app.reach.conditions import teams_condition
from app.reach.dependencies import AssessedTeam, ReadableTeam
from app.schemas import Page

router = APIRouter(tags=["progress"])
SCORES = "/teams/{team_id}/progress-scores"


def _read(score: ProgressScore | None) -> ProgressScoreRead | None:
    return None if score is None else ProgressScoreRead.model_validate(score)


@router.get(
    "/progress-scale",
    dependencies=[CAN_READ],
    summary="The progress scale",
    response_model=list[ScaleLevelRead],
    responses=guarded(422),
)
def progress_scale() -> list[ScaleLevelRead]:
    """The ten levels of the IHI/Life QI scale, 0.5 to 5.0, with labels and definitions."""
    return [ScaleLevelRead.model_validate(level, from_attributes=True) for level in SCALE]


@router.get(
    SCORES,
    summary="List a team's progress scores",
    response_model=Page[ProgressScoreRead],
    responses={**LIST, **guarded(404)},
)
def list_scores(
    team: ReadableTeam,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    assessor: Assessor | None = None,
    meeting_id: uuid.UUID | None = None,
) -> Page[ProgressScoreRead]:
    """The team's assessments by the day they were made, oldest first, both assessors'."""
    items, next_cursor = service.list_scores(
        session, team, limit=limit, cursor=cursor, assessor=assessor, meeting_id=meeting_id
    )
    return page_of(ProgressScoreRead, items, next_cursor)


@router.post(
    SCORES,
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Give a team a progress score",
    response_model=ProgressScoreRead,
    responses={**CREATE, 200: {"description": "It replaced the assessor's score for the meeting."}},
)
def record_score(
    team: AssessedTeam,
    body: ProgressScoreCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Caller,
) -> ProgressScore:
    """A `team` score (the team's current members, or an admin) or a `coach` score (the
    team's coach, or an admin; 403 otherwise). Both are kept; neither overwrites the other.
    One per team, assessor and meeting: a repeat for the same meeting replaces it (200)."""
    score, new = service.record_score(session, team.id, body, principal)
    location = f"{request.url.path}/{score.id}"
    if new:
        created(response, location, score)
    else:
        response.status_code = 200
        response.headers["Content-Location"] = location
        with_etag(response, score)
    return score


@router.get(
    f"{SCORES}/{{score_id}}",
    summary="Get a progress score",
    response_model=ProgressScoreRead,
    responses=READ_ONE,
)
def get_score(
    team: ReadableTeam, score_id: uuid.UUID, session: SessionDep, response: Response
) -> ProgressScore:
    """One of the team's scores, with its ETag."""
    score = service.get_score(session, team, score_id)
    with_etag(response, score)
    return score


@router.get(
    "/collaboratives/{collaborative_id}/progress",
    summary="Every team's progress",
    response_model=CollaborativeProgressRead,
    responses=READ_ONE,
)
def collaborative_progress(
    collaborative_id: uuid.UUID, session: SessionDep, principal: Reader
) -> CollaborativeProgressRead:
    """Per selected, active or completed team the caller reaches: its latest `team` and
    `coach` scores, and every score oldest first (each names its meeting)."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    progress = service.collaborative_progress(session, collaborative_id, teams_condition(principal))
    return CollaborativeProgressRead(
        collaborative_id=collaborative_id,
        teams=[
            TeamProgressRead(
                team_id=entry.team.id,
                team_name=entry.team.name,
                latest=LatestScores(
                    team=_read(entry.latest(Assessor.TEAM)),
                    coach=_read(entry.latest(Assessor.COACH)),
                ),
                history=[ProgressScoreRead.model_validate(s) for s in entry.history],
            )
            for entry in progress
        ],
    )
