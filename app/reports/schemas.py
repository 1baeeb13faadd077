"""The JSON bodies of the meeting pack and the programme report."""

import uuid
from datetime import date

from pydantic import Field

from app.change_ideas.models import IdeaStatus
from app.charts.schemas import Annotation, DashboardRead
from app.collaboratives.statuses import TeamStatus
from app.equality.schemas import EqualitySummary
from app.measures.models import ChartType
from app.pdsa_cycles.models import CycleStatus, Decision
from app.pdsa_cycles.schemas import ChangePackageRead
from app.schemas import ReadModel
from app.spc import Assurance, VariationIcon


class SessionRef(ReadModel):
    meeting_id: uuid.UUID
    title: str
    date: date


class Span(ReadModel):
    starts_on: date
    ends_on: date


class ScoreChange(ReadModel):
    score: float | None = Field(description="The latest score on or before the session.")
    label: str | None
    assessed_on: date | None
    previous: float | None = Field(
        description="The latest score on or before the previous learning session."
    )
    change: float | None = Field(description="`score` - `previous`, when both are known.")


class ProgressChange(ReadModel):
    team: ScoreChange
    coach: ScoreChange


class ChartSummaryRead(ReadModel):
    measure_id: uuid.UUID
    measure_code: str
    measure_name: str
    unit: str | None
    chart: ChartType
    points: int
    latest_date: date | None
    latest_value: float | None
    variation_icon: VariationIcon | None
    assurance: Assurance | None
    annotations: list[Annotation]


class CycleRead(ReadModel):
    id: uuid.UUID
    change_idea_id: uuid.UUID
    number: int
    title: str
    starts_on: date
    ends_on: date | None
    status: CycleStatus
    decision: Decision | None


class IdeaRead(ReadModel):
    id: uuid.UUID
    title: str
    status: IdeaStatus
    shared: bool


class Attendee(ReadModel):
    member_id: uuid.UUID
    name: str


class TeamPack(ReadModel):
    team_id: uuid.UUID
    team_name: str
    status: TeamStatus
    progress: ProgressChange
    charts: list[ChartSummaryRead] = Field(description="Every shared measure the team charts.")
    cycles_started: list[CycleRead] = Field(description="Started in the action period.")
    cycles_finished: list[CycleRead] = Field(description="Finished in it, with decisions.")
    ideas_adopted: list[IdeaRead] = Field(description="Adopted in the action period.")
    previous_attendees: list[Attendee] = Field(
        description="The team's people present at the previous learning session."
    )


class MeetingPackRead(ReadModel):
    collaborative_id: uuid.UUID
    meeting: SessionRef
    previous_session: SessionRef | None
    action_period: Span | None = Field(
        description="From the previous learning session (or the start) to this one."
    )
    teams: list[TeamPack] = Field(description="The selected teams the caller reaches, by name.")
    dashboard: DashboardRead


class TeamJourney(ReadModel):
    team_id: uuid.UUID
    team_name: str
    status: TeamStatus
    aim: str | None
    charts: list[ChartSummaryRead]
    cycles: list[CycleRead] = Field(description="Every cycle, by start day.")
    ideas: list[IdeaRead] = Field(description="Every idea and its outcome.")


class SessionAttendance(ReadModel):
    meeting_id: uuid.UUID
    title: str
    date: date
    present: int = Field(description="People recorded present.")
    teams_present: dict[uuid.UUID, int] = Field(description="Present, per team.")


class ProgrammeReportRead(ReadModel):
    collaborative_id: uuid.UUID
    name: str
    aim: str | None
    starts_on: date
    ends_on: date
    teams: list[TeamJourney] = Field(description="The selected, active and completed teams.")
    change_package: ChangePackageRead
    participation: list[SessionAttendance] = Field(description="Each learning session.")
    equality: EqualitySummary = Field(
        description="The current members and leads of the teams, every count through the"
        " disclosure rules (suppressed under the threshold, rounded to 5)."
    )
