"""The meeting pack and the programme report, read through the services beneath (spec 6).

Each report is built once as its JSON body, with each chart's SVG beside it for the HTML;
the HTML and the XLSX pack are other views of the same body. Nothing here shows an equality
profile or a lead rule verdict; the programme report's equality summary comes from
`equality.service.equality_summary`, so through `app.disclosure`."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.attendance.models import Attendance, AttendanceStatus
from app.change_ideas.models import ChangeIdea, IdeaStatus
from app.charts import service as charts_service
from app.charts.svg import Labels
from app.clock import LONDON
from app.collaboratives.models import Collaborative
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.equality import service as equality_service
from app.errors import NotFound
from app.measures.models import Measure
from app.meetings.models import Meeting, MeetingKind
from app.members.models import Member
from app.memberships.models import Membership
from app.pdsa_cycles import service as pdsa_service
from app.pdsa_cycles.models import CycleStatus, Decision, PdsaCycle
from app.progress.models import Assessor, ProgressScore
from app.reports.schemas import (
    Attendee,
    ChartSummaryRead,
    CycleRead,
    IdeaRead,
    MeetingPackRead,
    ProgrammeReportRead,
    ProgressChange,
    ScoreChange,
    SessionAttendance,
    SessionRef,
    Span,
    TeamJourney,
    TeamPack,
)
from app.teams.models import Team

ChartKey = tuple[uuid.UUID, uuid.UUID]  # (team, measure)


@dataclass
class Charts:
    """The charts a report draws: their JSON summaries, and their SVGs for the HTML."""

    svgs: dict[ChartKey, str] = field(default_factory=dict)

    def of(
        self, session: Session, team: Team, measures: Sequence[Measure]
    ) -> list[ChartSummaryRead]:
        summaries = []
        for measure in measures:
            try:
                chart, annotations, rebases = charts_service.series_chart(session, team, measure)
            except NotFound:  # no data yet: nothing to draw
                continue
            last = chart.points[-1] if chart.points else None
            summaries.append(
                ChartSummaryRead(
                    measure_id=measure.id,
                    measure_code=measure.code,
                    measure_name=measure.name,
                    unit=measure.unit,
                    chart=measure.chart,
                    points=len(chart.points),
                    latest_date=last.date if last else None,
                    latest_value=last.value if last else None,
                    variation_icon=chart.variation_icon,
                    assurance=chart.assurance,
                    annotations=annotations,
                )
            )
            heading = Labels(measure.name, team.name, measure.unit, measure.target)
            self.svgs[team.id, measure.id] = charts_service.render(
                chart, heading, annotations, rebases
            )
        return summaries


@dataclass(frozen=True)
class MeetingPack:
    read: MeetingPackRead
    charts: Charts
    teams: list[Team]


@dataclass(frozen=True)
class ProgrammeReport:
    read: ProgrammeReportRead
    charts: Charts
    teams: list[Team]


def learning_day(meeting: Meeting) -> date:
    """The London day a meeting is held on."""
    return meeting.starts_at.astimezone(LONDON).date()


def learning_sessions(session: Session, collaborative_id: uuid.UUID) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.collaborative_id == collaborative_id,
                Meeting.kind == MeetingKind.LEARNING_SESSION,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def _teams(
    session: Session, collaborative_id: uuid.UUID, visible: ColumnElement[bool] | None
) -> list[Team]:
    statement = select(Team).where(
        Team.collaborative_id == collaborative_id, Team.status.in_(PLACE_TAKING_STATUSES)
    )
    if visible is not None:
        statement = statement.where(visible)
    return list(session.scalars(statement.order_by(Team.name, Team.id)))


def shared_measures(session: Session, collaborative_id: uuid.UUID) -> list[Measure]:
    return list(
        session.scalars(
            select(Measure)
            .where(Measure.collaborative_id == collaborative_id)
            .order_by(Measure.created_at, Measure.id)
        )
    )


def _cycle(cycle: PdsaCycle) -> CycleRead:
    return CycleRead.model_validate(cycle)


def _score_change(scores: list[ProgressScore], on: date, before: date | None) -> ScoreChange:
    """The latest score on or before `on`, and the latest on or before `before`."""
    now = [s for s in scores if s.assessed_on <= on]
    then = [s for s in scores if before is not None and s.assessed_on <= before]
    latest = now[-1] if now else None
    previous = then[-1] if then else None
    change = latest.score - previous.score if latest and previous else None
    return ScoreChange(
        score=latest.score if latest else None,
        label=latest.label if latest else None,
        assessed_on=latest.assessed_on if latest else None,
        previous=previous.score if previous else None,
        change=change,
    )


def _adopted_on(idea: ChangeIdea, cycles: Sequence[PdsaCycle]) -> date:
    """The day an adopted idea was adopted: its adopting cycle's decision day when a cycle
    set it (the latest), else the day a person set it."""
    set_by_hand = idea.status_changed_at.astimezone(LONDON).date()
    decided = [
        c.decision_day
        for c in cycles
        if c.change_idea_id == idea.id
        and c.status == CycleStatus.DONE
        and c.decision == Decision.ADOPT
        and c.decision_day is not None
    ]
    return max(decided) if decided else set_by_hand


def _attendees(session: Session, team: Team, meeting: Meeting) -> list[Attendee]:
    """The team's members (on the meeting's day) recorded present at the meeting."""
    day = learning_day(meeting)
    rows = session.execute(
        select(Member.id, Member.name)
        .join(Attendance, Attendance.member_id == Member.id)
        .join(Membership, Membership.member_id == Member.id)
        .where(
            Attendance.meeting_id == meeting.id,
            Attendance.status == AttendanceStatus.PRESENT,
            Membership.team_id == team.id,
            Membership.joined_on <= day,
            Membership.is_current_clause(on=day),
        )
        .order_by(Member.name, Member.id)
        .distinct()
    )
    return [Attendee(member_id=member_id, name=name) for member_id, name in rows]


def meeting_pack(
    session: Session, meeting: Meeting, visible: ColumnElement[bool] | None
) -> MeetingPack:
    """The pack for a learning session: per team the caller reaches, the change in its
    progress scores since the previous session, its charts, the cycles started and finished
    and the ideas adopted in the action period just ended, and who came to the previous
    session; then the dashboard."""
    collaborative = session.get_one(Collaborative, meeting.collaborative_id)
    day = learning_day(meeting)
    earlier = [m for m in learning_sessions(session, collaborative.id) if learning_day(m) < day]
    previous = earlier[-1] if earlier else None
    start = learning_day(previous) if previous is not None else collaborative.starts_on
    period = Span(starts_on=start, ends_on=day) if start < day else None
    measures = shared_measures(session, collaborative.id)
    charts = Charts()
    packs = []
    teams = _teams(session, collaborative.id, visible)
    for team in teams:
        scores = list(
            session.scalars(
                select(ProgressScore)
                .where(ProgressScore.team_id == team.id)
                .order_by(ProgressScore.assessed_on, ProgressScore.created_at)
            )
        )
        before = learning_day(previous) if previous is not None else None
        cycles = list(
            session.scalars(
                select(PdsaCycle)
                .where(PdsaCycle.team_id == team.id)
                .order_by(PdsaCycle.starts_on, PdsaCycle.number)
            )
        )

        def within(when: date | None) -> bool:
            return when is not None and start <= when < day

        adopted = session.scalars(
            select(ChangeIdea)
            .where(ChangeIdea.team_id == team.id, ChangeIdea.status == IdeaStatus.ADOPTED)
            .order_by(ChangeIdea.status_changed_at)
        )
        packs.append(
            TeamPack(
                team_id=team.id,
                team_name=team.name,
                status=team.status,
                progress=ProgressChange(
                    team=_score_change(
                        [s for s in scores if s.assessor == Assessor.TEAM], day, before
                    ),
                    coach=_score_change(
                        [s for s in scores if s.assessor == Assessor.COACH], day, before
                    ),
                ),
                charts=charts.of(session, team, measures),
                cycles_started=[_cycle(c) for c in cycles if within(c.starts_on)],
                cycles_finished=[
                    _cycle(c)
                    for c in cycles
                    if c.status == CycleStatus.DONE and within(c.decision_day)
                ],
                ideas_adopted=[
                    IdeaRead.model_validate(idea)
                    for idea in adopted
                    if within(_adopted_on(idea, cycles))
                ],
                previous_attendees=_attendees(session, team, previous) if previous else [],
            )
        )
    read = MeetingPackRead(
        collaborative_id=collaborative.id,
        meeting=SessionRef(meeting_id=meeting.id, title=meeting.title, date=day),
        previous_session=(
            SessionRef(meeting_id=previous.id, title=previous.title, date=learning_day(previous))
            if previous is not None
            else None
        ),
        action_period=period,
        teams=packs,
        dashboard=charts_service.dashboard(session, collaborative, visible),
    )
    return MeetingPack(read, charts, teams)


def _participation(session: Session, collaborative_id: uuid.UUID) -> list[SessionAttendance]:
    """Per learning session: how many were present, and how many of each team's members."""
    rows = []
    for meeting in learning_sessions(session, collaborative_id):
        day = learning_day(meeting)
        present = list(
            session.scalars(
                select(Attendance.member_id).where(
                    Attendance.meeting_id == meeting.id,
                    Attendance.status == AttendanceStatus.PRESENT,
                )
            )
        )
        per_team: dict[uuid.UUID, int] = {}
        if present:
            for team_id, _person in session.execute(
                select(Membership.team_id, Membership.member_id)
                .join(Team, Team.id == Membership.team_id)
                .where(
                    Team.collaborative_id == collaborative_id,
                    Membership.member_id.in_(present),
                    Membership.joined_on <= day,
                    Membership.is_current_clause(on=day),
                )
                .distinct()
            ):
                per_team[team_id] = per_team.get(team_id, 0) + 1
        rows.append(
            SessionAttendance(
                meeting_id=meeting.id,
                title=meeting.title,
                date=day,
                present=len(present),
                teams_present=per_team,
            )
        )
    return rows


def programme_report(
    session: Session, collaborative: Collaborative, *, threshold: int
) -> ProgrammeReport:
    """The whole collaborative so far: each team's aim, journey (its cycles against its
    charts) and ideas; the change package; participation; the equality summary."""
    measures = shared_measures(session, collaborative.id)
    charts = Charts()
    journeys = []
    teams = _teams(session, collaborative.id, None)
    for team in teams:
        cycles = session.scalars(
            select(PdsaCycle)
            .where(PdsaCycle.team_id == team.id)
            .order_by(PdsaCycle.starts_on, PdsaCycle.number)
        )
        ideas = session.scalars(
            select(ChangeIdea)
            .where(ChangeIdea.team_id == team.id)
            .order_by(ChangeIdea.created_at, ChangeIdea.id)
        )
        journeys.append(
            TeamJourney(
                team_id=team.id,
                team_name=team.name,
                status=team.status,
                aim=team.aim,
                charts=charts.of(session, team, measures),
                cycles=[_cycle(c) for c in cycles],
                ideas=[IdeaRead.model_validate(idea) for idea in ideas],
            )
        )
    read = ProgrammeReportRead(
        collaborative_id=collaborative.id,
        name=collaborative.name,
        aim=collaborative.aim,
        starts_on=collaborative.starts_on,
        ends_on=collaborative.ends_on,
        teams=journeys,
        change_package=pdsa_service.change_package_read(session, collaborative.id),
        participation=_participation(session, collaborative.id),
        equality=equality_service.equality_summary(session, collaborative, threshold=threshold),
    )
    return ProgrammeReport(read, charts, teams)
