"""The demo collaborative's way of working (workflow spec 1-4), all fictitious: the applications
(the six teams' and three more, two declined and one withdrawn), two panel members' reviews
and the selection of 15 July 2024; each team's driver diagram and change ideas (some shared,
some abandoned); its PDSA cycles, started on the weeks its data changes (the demo's levels
respond to them, `TeamSpec.change_on`), shown on the enjoying-work chart; and the progress
scores of the team and its coach at each learning session."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.applications import service as applications_service
from app.applications.models import (
    Application,
    ApplicationMember,
    ApplicationReview,
    ApplicationStatus,
)
from app.change_ideas.models import ChangeIdea, Driver, DriverDiagram, IdeaOrigin, IdeaStatus
from app.clock import LONDON
from app.collaboratives.models import Collaborative
from app.db import utc_now
from app.demo_data import EMAIL_DOMAIN, NOTE_MEASURE, TEAMS, PersonSpec, TeamSpec
from app.measures.models import Measure
from app.meetings.models import Meeting, MeetingKind
from app.members.models import Band, Member, StaffGroup
from app.memberships.models import Membership, MembershipRole
from app.organisations.models import Organisation
from app.pdsa_cycles.models import CycleStatus, Decision, PdsaCycle
from app.progress.models import Assessor, ProgressScore
from app.teams.models import Team

APPLICATIONS_CLOSE = date(2024, 6, 30)
SELECTED_ON = date(2024, 7, 15)
SUBMITTED_BY = "demo"  # the demo's applications were typed in by its loader
PANEL = ("demo:panel-chair", "demo:panel-coach")  # the two reviewers, as actors
CRITERIA = [
    {"code": "aim", "name": "Clarity of aim", "weight": 2},
    {"code": "frontline", "name": "Frontline staff involvement", "weight": 1},
    {"code": "support", "name": "Support from the organisation", "weight": 1},
]
# The panel's scores of the six selected teams' applications (chair, coach): all good.
SELECTED_SCORES = ((5, 4, 4), (4, 5, 4), (4, 4, 5), (5, 5, 3), (4, 3, 4), (3, 4, 4))


@dataclass(frozen=True)
class OtherApplication:
    """An application the panel did not select."""

    ods_code: str
    team_name: str
    service_area: str
    aim: str
    people: tuple[PersonSpec, ...]
    status: ApplicationStatus
    scores: tuple[int, int, int]


def _person(name: str, job: str, *, lead: bool = False) -> PersonSpec:
    role = MembershipRole.LEAD if lead else MembershipRole.MEMBER
    return PersonSpec(name, job, StaffGroup.NURSING_AND_MIDWIFERY_REGISTERED, Band.BAND_6, role)


OTHERS = (
    OtherApplication(
        "RHQ",
        "Theatre recovery nursing, Royal Hallamshire",
        "Theatres",
        "Fewer recovery nurses leaving in their first two years.",
        (_person("Rowan Achebe", "Sister", lead=True), _person("Ellis Varga", "Staff nurse")),
        ApplicationStatus.DECLINED,
        (3, 3, 2),
    ),
    OtherApplication(
        "RFR",
        "District nursing team, Rotherham South",
        "Community nursing",
        "Less time on travel and paperwork, more with patients and with each other.",
        (_person("Marlow Osei", "Team leader", lead=True), _person("Kit Nakamura", "Nurse")),
        ApplicationStatus.DECLINED,
        (2, 4, 2),
    ),
    OtherApplication(
        "RP5",
        "Outpatient booking team, Bassetlaw",
        "Administration",
        "A calmer booking office where people stay.",
        (_person("Sasha Lindqvist", "Booking manager", lead=True),),
        ApplicationStatus.WITHDRAWN,
        (0, 0, 0),
    ),
)

# Each team's primary drivers and their secondary drivers; ideas hang on the secondaries.
DRIVERS = (
    ("Feeling valued and supported", ("Protected breaks", "Recognition and thanks")),
    ("Control over how we work", ("Flexible rostering", "Safe staffing and workload")),
)
# (idea title, secondary driver, shared) for ideas no cycle tested, per team index: one
# abandoned after a short try, one still proposed.
SPARE_IDEAS = (
    ("Wellbeing champion on every shift", "Recognition and thanks"),
    ("Buddy system for new starters", "Safe staffing and workload"),
)
# Progress on the IHI scale at the five learning sessions: teams whose data responded, and
# the others; the coach's view runs half a point behind until the last two sessions.
IMPROVED = (1.0, 1.5, 2.5, 3.5, 4.0)
STEADY = (1.0, 1.5, 2.0, 2.5, 3.0)


def _cycles(spec: TeamSpec) -> list[tuple[date, str]]:
    """The team's cycles: its notes ("PDSA n: title" on a Monday), or, for a team whose
    data did not move, two small tests."""
    if spec.notes:
        return [(monday, text.split(": ", 1)[1]) for monday, text in spec.notes]
    return [
        (date(2024, 11, 25), "weekly thank-you board"),
        (date(2025, 3, 3), "fixed break times on the rota"),
    ]


def load_workflow(session: Session, collaborative: Collaborative, teams: list[Team]) -> None:
    """Adds the applications, reviews, selection, diagrams, ideas, cycles and progress scores
    to the loaded demo (`teams` in the order of `TEAMS`); flushes, never commits."""
    collaborative.applications_close_on = APPLICATIONS_CLOSE
    collaborative.selection_criteria = CRITERIA
    collaborative.selected_on = SELECTED_ON
    organisations = {o.ods_code: o for o in session.scalars(select(Organisation))}
    for n, (team, scores) in enumerate(zip(teams, SELECTED_SCORES, strict=True)):
        _selected_application(session, team, scores, n)
    for other in OTHERS:
        _other_application(session, collaborative, organisations[other.ods_code], other)
    session.flush()
    for application in session.scalars(
        select(Application).where(Application.collaborative_id == collaborative.id)
    ):
        applications_service.rescore(session, application, CRITERIA)
    measure = session.scalars(
        select(Measure).where(
            Measure.collaborative_id == collaborative.id, Measure.code == NOTE_MEASURE
        )
    ).one()
    sessions = list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.collaborative_id == collaborative.id,
                Meeting.kind == MeetingKind.LEARNING_SESSION,
            )
            .order_by(Meeting.starts_at)
        )
    )
    for n, (team, spec) in enumerate(zip(teams, TEAMS, strict=True)):
        secondaries = _diagram(session, team)
        improved = _ideas_and_cycles(session, team, spec, secondaries, measure, n)
        _progress(session, team, sessions, IMPROVED if improved else STEADY)
    session.flush()


def _selected_application(
    session: Session, team: Team, scores: tuple[int, int, int], n: int
) -> None:
    joined = session.scalars(
        select(Membership)
        .where(Membership.team_id == team.id, Membership.joined_on <= SELECTED_ON + timedelta(16))
        .order_by(Membership.created_at, Membership.id)
    ).all()
    application = Application(
        collaborative_id=team.collaborative_id,
        team_name=team.name,
        service_area=team.service_area,
        aim=team.aim or team.name,
        sponsor_name=f"Director of nursing, {team.organisations[0].name}",
        sponsor_job_title="Director of Nursing",
        sponsor_email=f"sponsor.{team.organisations[0].ods_code.lower()}@{EMAIL_DOMAIN}",
        time_commitment_hours_per_month=8 if n % 2 else 6,
        status=ApplicationStatus.SELECTED,
        submitted_by=SUBMITTED_BY,
        team_id=team.id,
        organisations=list(team.organisations),
        members=[
            ApplicationMember(member_id=m.member_id, role=m.role, position=i)
            for i, m in enumerate(joined)
        ],
    )
    session.add(application)
    session.flush()
    _reviews(session, application, scores)


def _other_application(
    session: Session,
    collaborative: Collaborative,
    organisation: Organisation,
    other: OtherApplication,
) -> None:
    people = [
        Member(
            name=p.name,
            email=p.email,
            job_title=p.job_title,
            staff_group=p.staff_group,
            band=p.band,
            organisation_id=organisation.id,
        )
        for p in other.people
    ]
    session.add_all(people)
    session.flush()
    application = Application(
        collaborative_id=collaborative.id,
        team_name=other.team_name,
        service_area=other.service_area,
        aim=other.aim,
        sponsor_name=f"Chief nurse, {organisation.name}",
        sponsor_job_title="Chief Nurse",
        sponsor_email=f"chief.nurse.{organisation.ods_code.lower()}@{EMAIL_DOMAIN}",
        time_commitment_hours_per_month=4,
        status=other.status,
        submitted_by=SUBMITTED_BY,
        organisations=[organisation],
        members=[
            ApplicationMember(member_id=member.id, role=spec.role, position=i)
            for i, (member, spec) in enumerate(zip(people, other.people, strict=True))
        ],
    )
    session.add(application)
    session.flush()
    if other.status != ApplicationStatus.WITHDRAWN:
        _reviews(session, application, other.scores)


def _reviews(session: Session, application: Application, scores: tuple[int, int, int]) -> None:
    for k, reviewer in enumerate(PANEL):
        shifted = [max(1, min(5, s - k * ((i + k) % 2))) for i, s in enumerate(scores)]
        session.add(
            ApplicationReview(
                application_id=application.id,
                reviewer=reviewer,
                scores=dict(zip([c["code"] for c in CRITERIA], shifted, strict=True)),
                comment="A clear aim and a sponsor who will release the team's time."
                if shifted[0] >= 4
                else "The aim needs sharpening before this team could start.",
            )
        )


def _diagram(session: Session, team: Team) -> dict[str, uuid.UUID]:
    """The team's diagram; its secondary drivers by title."""
    session.add(DriverDiagram(team_id=team.id, aim=team.aim))
    secondaries: dict[str, uuid.UUID] = {}
    for p, (title, children) in enumerate(DRIVERS):
        primary = Driver(team_id=team.id, parent_id=None, title=title, position=p)
        session.add(primary)
        session.flush()
        for s, child in enumerate(children):
            secondary = Driver(team_id=team.id, parent_id=primary.id, title=child, position=s)
            session.add(secondary)
            session.flush()
            secondaries[child] = secondary.id
    return secondaries


def _driver_for(title: str) -> str:
    """The secondary driver an idea of this title serves."""
    lowered = title.lower()
    if "break" in lowered or "quiet" in lowered or "room" in lowered:
        return "Protected breaks"
    if "roster" in lowered or "rota" in lowered:
        return "Flexible rostering"
    if "thank" in lowered or "appreciation" in lowered or "reflective" in lowered:
        return "Recognition and thanks"
    return "Safe staffing and workload"


def _ideas_and_cycles(
    session: Session,
    team: Team,
    spec: TeamSpec,
    secondaries: dict[str, uuid.UUID],
    measure: Measure,
    n: int,
) -> bool:
    """The team's ideas, each tested by a cycle; True when a change bedded in (its data
    responded and the cycle was adopted)."""
    improved = False
    for k, (monday, title) in enumerate(_cycles(spec)):
        responded = spec.change_on is not None and monday >= spec.change_on
        decision = Decision.ADOPT if responded else Decision.ABANDON if k else Decision.ADAPT
        status = {
            Decision.ADOPT: IdeaStatus.ADOPTED,
            Decision.ADAPT: IdeaStatus.TESTING,
            Decision.ABANDON: IdeaStatus.ABANDONED,
        }[decision]
        improved = improved or responded
        idea = ChangeIdea(
            team_id=team.id,
            title=title[:1].upper() + title[1:],
            origin=IdeaOrigin.STAFF_SUGGESTION if k else IdeaOrigin.TEAM,
            driver_id=secondaries[_driver_for(title)],
            status=status,
            status_changed_at=utc_now(),
            shared=k == 0 or responded,
            needs_funding="room" in title,
            theme="Staff wellbeing",
            external_refs=[],
        )
        session.add(idea)
        session.flush()
        ends_on = monday + timedelta(weeks=6)
        session.add(
            PdsaCycle(
                team_id=team.id,
                change_idea_id=idea.id,
                number=1,
                title=title[:1].upper() + title[1:],
                objective=f"Test whether {title} helps staff enjoy their work.",
                prediction="More of us will say we frequently enjoy work within six weeks.",
                plan={
                    "tasks": [
                        {"what": f"Start {title}", "who": "Team lead", "when": str(monday)},
                        {"what": "Weekly pulse survey", "who": "Everyone", "when": "Fridays"},
                    ]
                },
                data_plan="The weekly enjoying-work pulse, charted each week.",
                starts_on=monday,
                ends_on=ends_on,
                status=CycleStatus.DONE,
                observations="Ran as planned on most shifts; some weeks were too busy.",
                study=(
                    "The share enjoying work rose and stayed up: the prediction held."
                    if responded
                    else "No change in the weekly pulse; staff found it hard to keep going."
                ),
                decision=decision,
                decided_on=ends_on,
                next_steps="Keep it and share it." if responded else "Try another idea.",
                measures=[measure],
            )
        )
    for k, (title, driver) in enumerate(SPARE_IDEAS):
        session.add(
            ChangeIdea(
                team_id=team.id,
                title=title,
                origin=IdeaOrigin.COLLABORATIVE,
                driver_id=secondaries[driver],
                status=IdeaStatus.ABANDONED if (k + n) % 2 else IdeaStatus.PROPOSED,
                status_changed_at=utc_now(),
                shared=False,
                needs_funding=False,
                theme="Staff wellbeing",
                external_refs=[],
            )
        )
    session.flush()
    return improved


def _progress(
    session: Session, team: Team, sessions: list[Meeting], levels: tuple[float, ...]
) -> None:
    for k, (meeting, level) in enumerate(zip(sessions, levels, strict=False)):
        day = meeting.starts_at.astimezone(LONDON).date()
        coach = level if k >= len(levels) - 2 else max(0.5, level - 0.5)
        for assessor, score in ((Assessor.TEAM, level), (Assessor.COACH, coach)):
            session.add(
                ProgressScore(
                    team_id=team.id,
                    half_points=round(score * 2),
                    assessor=assessor,
                    assessed_on=day,
                    meeting_id=meeting.id,
                    rationale=None,
                    recorded_by=SUBMITTED_BY,
                )
            )
