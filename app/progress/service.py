"""Recording and reading progress scores; who may give which (workflow spec 4, 7)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.auth.principal import Principal
from app.clock import LONDON, today
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.errors import Forbidden, InvalidInput, NotFound
from app.meetings.models import Meeting
from app.memberships.models import Membership
from app.pagination import paginate
from app.progress.models import Assessor, ProgressScore
from app.progress.schemas import ProgressScoreCreate
from app.teams import service as teams_service
from app.teams.models import Team

ORDER = (ProgressScore.assessed_on, ProgressScore.created_at, ProgressScore.id)


def _is_current_member(session: Session, team: Team, member_id: uuid.UUID | None) -> bool:
    if member_id is None:
        return False
    found = session.scalar(
        select(Membership.id).where(
            Membership.team_id == team.id,
            Membership.member_id == member_id,
            Membership.is_current_clause(),
        )
    )
    return found is not None


def check_may_assess(
    session: Session, team: Team, principal: Principal, assessor: Assessor
) -> None:
    """Admins give either score; the team's coach the `coach` one; its current members the
    `team` one (403 otherwise)."""
    if principal.is_admin:
        return
    if assessor == Assessor.COACH:
        if principal.role == Role.COACH and team.coach_id == principal.member_id:
            return
        raise Forbidden("A `coach` score is given by the team's coach or an admin.")
    if not _is_current_member(session, team, principal.member_id):
        raise Forbidden("A `team` score is given by the team's current members or an admin.")


def record_score(
    session: Session, team_id: uuid.UUID, data: ProgressScoreCreate, principal: Principal
) -> tuple[ProgressScore, bool]:
    """The score, new (True) or replacing the team's score by the same assessor for the same
    meeting; the team's row is locked so two of them for one meeting cannot both be new."""
    team = teams_service.get_team_for_data(session, team_id)
    check_may_assess(session, team, principal, data.assessor)
    meeting = None
    if data.meeting_id is not None:
        meeting = session.get(Meeting, data.meeting_id)
        if meeting is None or meeting.collaborative_id != team.collaborative_id:
            raise InvalidInput.at(
                ("body", "meeting_id"), f"No meeting {data.meeting_id} in the team's collaborative."
            )
    assessed_on = data.assessed_on or (
        meeting.starts_at.astimezone(LONDON).date() if meeting is not None else today()
    )
    existing = None
    if meeting is not None:
        existing = session.scalar(
            select(ProgressScore).where(
                ProgressScore.team_id == team.id,
                ProgressScore.assessor == data.assessor,
                ProgressScore.meeting_id == meeting.id,
            )
        )
    score = existing or ProgressScore(
        team_id=team.id, assessor=data.assessor, meeting_id=data.meeting_id
    )
    score.half_points = round(data.score * 2)
    score.assessed_on = assessed_on
    score.rationale = data.rationale
    score.recorded_by = principal.actor
    if existing is None:
        session.add(score)
    session.flush()
    return score, existing is None


def get_score(session: Session, team: Team, score_id: uuid.UUID) -> ProgressScore:
    score = session.get(ProgressScore, score_id)
    if score is None or score.team_id != team.id:
        raise NotFound.of("progress score", score_id)
    return score


def list_scores(
    session: Session,
    team: Team,
    *,
    limit: int,
    cursor: str | None,
    assessor: Assessor | None = None,
    meeting_id: uuid.UUID | None = None,
) -> tuple[list[ProgressScore], str | None]:
    """The team's scores by the day they were assessed, oldest first."""
    statement = select(ProgressScore).where(ProgressScore.team_id == team.id)
    if assessor is not None:
        statement = statement.where(ProgressScore.assessor == assessor)
    if meeting_id is not None:
        statement = statement.where(ProgressScore.meeting_id == meeting_id)
    return paginate(
        session,
        statement,
        sort_key=ProgressScore.assessed_on,
        id_key=ProgressScore.id,
        limit=limit,
        cursor=cursor,
        list_name="progress-scores",
        filters={"team_id": team.id, "assessor": assessor, "meeting_id": meeting_id},
    )


@dataclass(frozen=True)
class TeamProgress:
    team: Team
    history: list[ProgressScore]

    def latest(self, assessor: Assessor) -> ProgressScore | None:
        """The assessor's most recent score (by day assessed, then by when recorded)."""
        given = [score for score in self.history if score.assessor == assessor]
        return given[-1] if given else None


def collaborative_progress(
    session: Session, collaborative_id: uuid.UUID, visible: ColumnElement[bool] | None
) -> list[TeamProgress]:
    """Every selected, active or completed team of the collaborative in `visible` (the
    caller's reach; None: all), by name, with its scores oldest first (two queries)."""
    statement = select(Team).where(
        Team.collaborative_id == collaborative_id, Team.status.in_(PLACE_TAKING_STATUSES)
    )
    if visible is not None:
        statement = statement.where(visible)
    teams: Sequence[Team] = session.scalars(statement.order_by(Team.name, Team.id)).all()
    history: dict[uuid.UUID, list[ProgressScore]] = {team.id: [] for team in teams}
    if teams:
        for score in session.scalars(
            select(ProgressScore).where(ProgressScore.team_id.in_(history)).order_by(*ORDER)
        ):
            history[score.team_id].append(score)
    return [TeamProgress(team, history[team.id]) for team in teams]
