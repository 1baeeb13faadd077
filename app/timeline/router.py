"""HTTP endpoint for the collaborative's timeline."""

import uuid

from fastapi import APIRouter

from app.auth.dependencies import Reader
from app.collaboratives import service as collaboratives_service
from app.http.deps import SessionDep
from app.http.problems import READ_ONE
from app.reach.conditions import teams_condition
from app.timeline import service
from app.timeline.schemas import (
    ActionPeriod,
    CycleSummary,
    Entry,
    LearningSession,
    Milestone,
    Prework,
    TimelineRead,
)

router = APIRouter(tags=["timeline"])


def _entry(entry: service.Entry) -> Entry:
    if isinstance(entry, service.Milestone):
        return Milestone(name=entry.name, date=entry.date)
    if isinstance(entry, service.SessionDay):
        return LearningSession(
            meeting_id=entry.meeting.id, title=entry.meeting.title, date=entry.date
        )
    if entry.kind == "prework":
        return Prework(starts_on=entry.starts_on, ends_on=entry.ends_on)
    return ActionPeriod(
        starts_on=entry.starts_on,
        ends_on=entry.ends_on,
        pdsa_cycles={
            team_id: [CycleSummary.model_validate(cycle) for cycle in cycles]
            for team_id, cycles in entry.cycles.items()
        },
    )


@router.get(
    "/collaboratives/{collaborative_id}/timeline",
    summary="The collaborative's timeline",
    response_model=TimelineRead,
    responses=READ_ONE,
)
def get_timeline(
    collaborative_id: uuid.UUID, session: SessionDep, principal: Reader
) -> TimelineRead:
    """Milestones (`applications_close`, `selection`, `start`, `end`), each learning session,
    the prework before the first, and each action period with the PDSA cycles that started in
    it, per team the caller reaches."""
    collaborative = collaboratives_service.get_collaborative(session, collaborative_id)
    entries = service.timeline(session, collaborative, teams_condition(principal))
    return TimelineRead(collaborative_id=collaborative.id, entries=[_entry(e) for e in entries])
