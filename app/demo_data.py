"""Data tables for the demo collaborative (app.demo loads them); every person here is fictitious."""

from dataclasses import dataclass
from datetime import date, time
from typing import NamedTuple

from app.collaboratives.models import CollaborativeStatus
from app.collaboratives.statuses import TeamStatus
from app.measures.models import ChartType, Frequency, MeasureKind
from app.meetings.models import MeetingKind
from app.members.models import Band, StaffGroup
from app.memberships.models import MembershipRole
from app.organisations.models import OrganisationKind
from app.spc import Direction
from app.workforce.metrics import WorkforceMetric

SEED = 20240731
EMAIL_DOMAIN = "example.nhs.uk"
TIME_ZONE = "Europe/London"
FIRST_WEEK = date(2024, 8, 5)  # a Monday
LAST_WEEK = date(2025, 8, 25)  # a Monday
FIRST_MONTH = date(2024, 8, 1)
LAST_MONTH = date(2025, 8, 1)
ATTENDANCE_MEETINGS = 3  # attendance is recorded for the first three meetings
NOTE_MEASURE = "ENJOY_WORK"  # team notes ("PDSA 1: ...") go on this measure's weekly points
SOURCE = "demo"  # the source of the points the demo types in (its measures bound to none)
SURVEY = "enjoying-work"  # the built-in weekly survey the demo's teams run (app.demo_surveys)

T, ICB = OrganisationKind.TRUST, OrganisationKind.ICB
ORGANISATIONS: tuple[tuple[str, str, OrganisationKind], ...] = (
    ("RHQ", "Sheffield Teaching Hospitals NHS Foundation Trust", T),
    ("TAH", "Sheffield Health and Social Care NHS Foundation Trust", T),
    ("RFF", "Barnsley Hospital NHS Foundation Trust", T),
    ("RFR", "The Rotherham NHS Foundation Trust", T),
    ("RXE", "Rotherham Doncaster and South Humber NHS Foundation Trust", T),
    ("RP5", "Doncaster and Bassetlaw Teaching Hospitals NHS Foundation Trust", T),
    ("QF7", "NHS South Yorkshire Integrated Care Board", ICB),
)
COACH_ORGANISATION = "QF7"
# All six teams saw the collaborative through to its showcase. Their memberships stay open:
# the people are still the team, and still reach its data and charts.
TEAM_STATUS = TeamStatus.COMPLETED


@dataclass(frozen=True)
class CollaborativeSpec:
    name: str
    region: str
    starts_on: date
    ends_on: date
    max_teams: int
    max_team_size: int
    status: CollaborativeStatus
    aim: str


COLLABORATIVE = CollaborativeSpec(
    name="Improving mental health and staff retention for South Yorkshire staff",
    region="South Yorkshire",
    starts_on=date(2024, 7, 31),
    ends_on=date(2025, 9, 22),
    max_teams=6,
    max_team_size=5,
    # It ended with the showcase on 22 September 2025, so it is completed, and so is every
    # team (a completed collaborative allows only completed, withdrawn or declined teams).
    status=CollaborativeStatus.COMPLETED,
    aim=(
        "By September 2025, six frontline teams from across South Yorkshire's NHS trusts will "
        "increase the proportion of staff who frequently enjoy being at work from about 40% to "
        "60%, and reduce sickness absence and leaving, by testing their own change ideas with "
        "the Model for Improvement. Each team is supported by a quality improvement coach from "
        "the Integrated Care Board and meets the other teams at learning sessions every two to "
        "three months; the collaborative pays particular attention to staff in bands 2 to 5 and "
        "to colleagues from groups under-represented in improvement work."
    ),
)


@dataclass(frozen=True)
class MeetingSpec:
    on: date
    title: str
    kind: MeetingKind
    location: str
    online_url: str | None
    agenda: str
    starts: time = time(9, 30)
    ends: time = time(15, 30)


LS, SHOWCASE = MeetingKind.LEARNING_SESSION, MeetingKind.SHOWCASE
ONLINE = "Online (Microsoft Teams)"
MEETINGS: tuple[MeetingSpec, ...] = (
    MeetingSpec(
        on=date(2024, 9, 5),
        title="Learning session 1",
        kind=LS,
        location="The Source, Meadowhall, Sheffield",
        online_url=None,
        agenda="Welcome and collaborative aim; what matters to you?; Model for Improvement; "
        "team driver diagrams; setting up weekly measures.",
    ),
    MeetingSpec(
        on=date(2024, 11, 21),
        title="Learning session 2",
        kind=LS,
        location="Doncaster Racecourse Exhibition Centre",
        online_url=None,
        agenda="Baseline data review; impediments to joy in work; choosing first change ideas; "
        "planning PDSA cycles.",
    ),
    MeetingSpec(
        on=date(2025, 2, 13),
        title="Learning session 3",
        kind=LS,
        location=ONLINE,
        online_url="https://meet.example.nhs.uk/sy-qi-collaborative/learning-session-3",
        agenda="Reading run charts and SPC; first PDSA stories from each team; coaching triads.",
        ends=time(12, 30),
    ),
    MeetingSpec(
        on=date(2025, 4, 28),
        title="Learning session 4",
        kind=LS,
        location="Magna Science Adventure Centre, Rotherham",
        online_url=None,
        agenda="Testing at scale; spreading what works; balancing measures; staff voice panel.",
    ),
    MeetingSpec(
        on=date(2025, 7, 10),
        title="Learning session 5",
        kind=LS,
        location=ONLINE,
        online_url="https://meet.example.nhs.uk/sy-qi-collaborative/learning-session-5",
        agenda="Sustaining improvement; handing measures over to everyday work; showcase plans.",
        ends=time(12, 30),
    ),
    MeetingSpec(
        on=date(2025, 9, 22),
        title="Celebration and showcase",
        kind=SHOWCASE,
        location="Showroom Workstation, Sheffield",
        online_url=None,
        agenda="Team posters and stories; results across the collaborative; awards; next steps.",
    ),
)


@dataclass(frozen=True)
class PersonSpec:
    name: str
    job_title: str
    staff_group: StaffGroup
    band: Band
    role: MembershipRole = MembershipRole.MEMBER
    joined_on: date = date(2024, 7, 31)
    left_on: date | None = None

    @property
    def email(self) -> str:
        return f"{self.name.lower().replace(' ', '.')}@{EMAIL_DOMAIN}"


NMR = StaffGroup.NURSING_AND_MIDWIFERY_REGISTERED
ACS = StaffGroup.ADDITIONAL_CLINICAL_SERVICES
AHP = StaffGroup.ALLIED_HEALTH_PROFESSIONALS
APST = StaffGroup.ADDITIONAL_PROFESSIONAL_SCIENTIFIC_AND_TECHNICAL
ADMIN = StaffGroup.ADMINISTRATIVE_AND_CLERICAL
ESTATES = StaffGroup.ESTATES_AND_ANCILLARY
LEAD = MembershipRole.LEAD

COACHES: tuple[PersonSpec, ...] = tuple(
    PersonSpec(name, "Quality improvement coach", ADMIN, Band.BAND_8A)
    for name in ("Joanna Pryce", "David Achebe", "Siobhan Kelly")
)


class Levels(NamedTuple):
    """A team's expected value of each shared measure (proportion, % or count), by code.
    `leaver_rate` is the rolling 12-month rate: `after` is where it has come down to by the
    demo's last month (app.demo_workforce draws the months' leavers so that it does)."""

    enjoy_work: float
    no_burnout: float
    recommend_team: float
    good_days: float
    sickness: float
    leaver_rate: float
    ideas: float

    def of(self, code: str) -> float:
        return self[self._fields.index(code.lower())]


@dataclass(frozen=True)
class TeamSpec:
    ods_code: str
    team_ref: str  # what the trust's ESR and survey extracts call the team (its external ref)
    name: str
    service_area: str
    aim: str
    coach: int  # index into COACHES
    people: tuple[PersonSpec, ...]
    respondents: tuple[int, int]  # weekly pulse-survey respondents in the team's service
    bme_share: float  # of its respondents, Black and minority ethnic (ETHNIC CATEGORY D..S)
    # Funded posts in the team's service (its ESR cost centres): what its monthly workforce
    # figures count (app.demo_workforce), a few of them vacant at any time.
    posts: int
    before: Levels
    after: Levels | None = None  # levels once the change has bedded in
    change_on: date | None = None  # Monday the change started
    notes: tuple[tuple[date, str], ...] = ()  # (Monday, note) on the NOTE_MEASURE point
    # (Monday, respondents): weeks few answered, below the disclosure threshold, so the
    # team's survey results and bound points for that week are suppressed (a gap).
    quiet_weeks: tuple[tuple[date, int], ...] = ()


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        ods_code="RHQ",
        team_ref="ED-NURSING-NGH",
        name="Emergency Department nursing, Northern General",
        service_area="Urgent and emergency care",
        aim="Increase the share of ED nursing staff who frequently enjoy work from 35% to 55% by "
        "July 2025, by making breaks, debriefs and appreciation part of every shift.",
        coach=0,
        people=(
            PersonSpec("Rachel Whitfield", "Senior sister", NMR, Band.BAND_7, LEAD),
            PersonSpec("Tomasz Nowak", "Staff nurse", NMR, Band.BAND_5),
            PersonSpec("Amina Hussain", "Healthcare assistant", ACS, Band.BAND_3),
            PersonSpec("Daniel Okafor", "Emergency nurse practitioner", NMR, Band.BAND_7),
            PersonSpec("Grace Liddell", "Ward clerk", ADMIN, Band.BAND_2),
        ),
        respondents=(48, 100),
        bme_share=0.24,
        posts=60,
        before=Levels(0.35, 0.38, 0.22, 0.48, 6.2, 14.0, 2.0),
        after=Levels(0.56, 0.55, 0.38, 0.66, 4.9, 11.5, 6.0),
        change_on=date(2024, 11, 25),
        notes=(
            (date(2024, 11, 25), "PDSA 1: protected break rota introduced"),
            (date(2025, 2, 17), "PDSA 2: hot debrief after every resuscitation"),
        ),
    ),
    TeamSpec(
        ods_code="TAH",
        team_ref="CMHT-SHEFFIELD-NORTH",
        name="Community mental health team, Sheffield North",
        service_area="Adult community mental health",
        aim="Increase the share of team members with no symptoms of burnout from 48% to 60% by "
        "July 2025 by reducing duplicated paperwork and protecting reflective time.",
        coach=0,
        people=(
            PersonSpec("Priya Sharma", "Team manager", NMR, Band.BAND_7, LEAD),
            PersonSpec("Liam Hargreaves", "Community mental health nurse", NMR, Band.BAND_6),
            PersonSpec("Chipo Moyo", "Support worker", ACS, Band.BAND_3),
            PersonSpec(
                "Helen Birch",
                "Occupational therapist",
                AHP,
                Band.BAND_6,
                left_on=date(2025, 1, 31),
            ),
            PersonSpec(
                "Oliver Grant",
                "Occupational therapist",
                AHP,
                Band.BAND_5,
                joined_on=date(2025, 2, 17),
            ),
        ),
        respondents=(32, 64),
        bme_share=0.18,
        posts=44,
        before=Levels(0.45, 0.48, 0.30, 0.58, 5.4, 11.5, 3.0),
        notes=((date(2025, 1, 13), "PDSA 1: monthly reflective practice group tested"),),
        quiet_weeks=((date(2024, 12, 30), 8),),  # New Year's week
    ),
    TeamSpec(
        ods_code="RFF",
        team_ref="AMU-NURSING",
        name="Acute medical unit nursing, Barnsley Hospital",
        service_area="Acute medicine",
        aim="Increase the share of AMU staff who frequently enjoy work from 33% to 50% and cut "
        "sickness absence below 5% by July 2025.",
        coach=1,
        people=(
            PersonSpec("Sarah Ellis", "Ward manager", NMR, Band.BAND_7, LEAD),
            PersonSpec("Mohammed Rafiq", "Staff nurse", NMR, Band.BAND_5),
            PersonSpec("Joanne Pickering", "Senior healthcare assistant", ACS, Band.BAND_3),
            PersonSpec("Kwame Mensah", "Physiotherapist", AHP, Band.BAND_5),
        ),
        respondents=(40, 88),
        bme_share=0.12,
        posts=56,
        before=Levels(0.33, 0.36, 0.20, 0.45, 6.0, 13.5, 2.0),
        after=Levels(0.52, 0.50, 0.33, 0.62, 4.8, 11.0, 5.0),
        change_on=date(2024, 12, 2),
        notes=((date(2024, 12, 2), "PDSA 1: daily 10@10 huddle with an appreciation round"),),
    ),
    TeamSpec(
        ods_code="RFR",
        team_ref="MATERNITY-WARD",
        name="Maternity ward team, Rotherham Hospital",
        service_area="Maternity",
        aim="Increase the share of maternity staff extremely likely to recommend the team as a "
        "place to work from 28% to 40% by July 2025.",
        coach=1,
        people=(
            PersonSpec("Laura Jennings", "Maternity ward manager", NMR, Band.BAND_7, LEAD),
            PersonSpec("Fatima Begum", "Midwife", NMR, Band.BAND_6),
            PersonSpec("Zoe Cartwright", "Maternity support worker", ACS, Band.BAND_3),
        ),
        respondents=(36, 72),
        bme_share=0.16,
        posts=52,
        before=Levels(0.42, 0.44, 0.28, 0.55, 5.6, 12.0, 2.0),
        quiet_weeks=((date(2024, 12, 23), 6),),  # Christmas week
    ),
    TeamSpec(
        ods_code="RXE",
        team_ref="OPMH-WARD-DONCASTER",
        name="Older people's mental health ward, Doncaster",
        service_area="Older adult mental health",
        aim="Increase the share of ward staff reporting good days from 57% to 70% by July 2025 by "
        "improving handovers and shift patterns.",
        coach=2,
        people=(
            PersonSpec("Mark Stenton", "Charge nurse", NMR, Band.BAND_6, LEAD),
            PersonSpec("Ewa Kowalska", "Healthcare support worker", ACS, Band.BAND_3),
            PersonSpec("Samuel Adeyemi", "Staff nurse", NMR, Band.BAND_5),
            PersonSpec("Hannah Brook", "Housekeeper", ESTATES, Band.BAND_2),
        ),
        respondents=(32, 72),
        bme_share=0.11,
        posts=46,
        before=Levels(0.40, 0.46, 0.31, 0.57, 5.8, 10.5, 3.0),
    ),
    TeamSpec(
        ods_code="RP5",
        team_ref="PHARMACY-DISPENSARY-DRI",
        name="Pharmacy dispensary team, Doncaster Royal Infirmary",
        service_area="Pharmacy",
        aim="Increase the share of dispensary staff who frequently enjoy work from 38% to 55% and "
        "reduce the 12-month leaver rate to 10% by September 2025.",
        coach=2,
        people=(
            PersonSpec("Imran Qureshi", "Lead pharmacy technician", APST, Band.BAND_6, LEAD),
            PersonSpec("Claire Dunn", "Pharmacy technician", APST, Band.BAND_5),
            PersonSpec("Nadia Ali", "Pharmacy assistant", APST, Band.BAND_3),
            PersonSpec("Ben Foster", "Pharmacist", APST, Band.BAND_7),
            PersonSpec("Lucy Marsh", "Dispensary administrator", ADMIN, Band.BAND_3),
        ),
        respondents=(40, 80),
        bme_share=0.20,
        posts=42,
        before=Levels(0.38, 0.42, 0.25, 0.50, 5.2, 12.5, 3.0),
        after=Levels(0.57, 0.58, 0.41, 0.68, 4.3, 10.0, 7.0),
        change_on=date(2025, 1, 6),
        notes=(
            (date(2025, 1, 6), "PDSA 1: self-rostering pilot co-designed with staff"),
            (date(2025, 4, 7), "PDSA 2: quiet room and staggered lunch breaks"),
        ),
    ),
)


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    name: str
    kind: MeasureKind
    chart: ChartType
    frequency: Frequency
    direction: Direction
    unit: str
    target: float | None
    description: str
    numerator_definition: str
    denominator_definition: str | None
    # The SURVEY question whose weekly results the measure's points are derived from, or the
    # workforce metric of the teams' monthly figures (its `data_source`); neither for a
    # measure whose points the demo types in.
    question: str | None = None
    metric: WorkforceMetric | None = None
    ramp: int = 4  # periods for a change to reach its full effect
    noise: float = 0.0  # standard deviation of XmR values (of the monthly sickness rate)
    bounds: tuple[float, float] = (0.0, 100.0)  # XmR values are clamped to these

    @property
    def bound(self) -> bool:
        """Whether its points are derived from stored aggregates, not typed in."""
        return self.question is not None or self.metric is not None


P, XMR, C, RUN = ChartType.P, ChartType.XMR, ChartType.C, ChartType.RUN
WEEKLY, MONTHLY = Frequency.WEEKLY, Frequency.MONTHLY
UP, DOWN = Direction.INCREASE, Direction.DECREASE
OUTCOME, PROCESS = MeasureKind.OUTCOME, MeasureKind.PROCESS
# The three weekly measures' points are the team's results on the built-in `enjoying-work`
# survey (app.surveys.builtins), derived from its stored weekly aggregates; SICKNESS and
# LEAVER_RATE are the workforce metrics of the teams' stored monthly figures.
PULSE = "Staff in the team's service who answered the question in that week's survey."
MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(
        code="ENJOY_WORK",
        name="% of staff frequently enjoying work",
        kind=OUTCOME,
        chart=P,
        frequency=WEEKLY,
        direction=UP,
        unit="%",
        target=60.0,
        description=(
            "Weekly Enjoying Work survey question 'How often do you enjoy being at work?', as "
            "in the RCPsych Enjoying Work collaborative."
        ),
        numerator_definition="Respondents answering 'often' or 'always'.",
        denominator_definition=PULSE,
        question="enjoy_work",
    ),
    MeasureSpec(
        code="NO_BURNOUT",
        name="% with no symptoms of burnout",
        kind=OUTCOME,
        chart=P,
        frequency=WEEKLY,
        direction=UP,
        unit="%",
        target=60.0,
        description=(
            "Single-item burnout measure asked weekly: 'Overall, based on your definition of "
            "burnout, how would you rate your level of burnout?' (options 1 to 5)."
        ),
        numerator_definition=(
            "Respondents choosing option 1, 'I enjoy my work. I have no symptoms of burnout'."
        ),
        denominator_definition=PULSE,
        question="burnout",
    ),
    MeasureSpec(
        code="RECOMMEND_TEAM",
        name="% extremely likely to recommend team as a place to work",
        kind=OUTCOME,
        chart=P,
        frequency=WEEKLY,
        direction=UP,
        unit="%",
        target=40.0,
        description=(
            "Friends-and-Family style question, top box only: 'How likely are you to "
            "recommend your team as a place to work?'"
        ),
        numerator_definition="Respondents answering 'extremely likely'.",
        denominator_definition=(
            "Staff in the team's service who answered the question in that week's survey, "
            "other than 'don't know'."
        ),
        question="recommend_team",
    ),
    MeasureSpec(
        code="GOOD_DAYS",
        name="% good days (Improve Well)",
        kind=PROCESS,
        chart=P,
        frequency=WEEKLY,
        direction=UP,
        unit="%",
        target=None,
        description="Improve Well day or shift ratings by team staff that were good, by week.",
        numerator_definition="Improve Well ratings of a good day or shift in the week.",
        denominator_definition="All Improve Well day or shift ratings by team staff in the week.",
    ),
    MeasureSpec(
        code="SICKNESS",
        name="Sickness absence rate",
        kind=MeasureKind.BALANCING,
        chart=XMR,
        frequency=MONTHLY,
        direction=DOWN,
        unit="%",
        target=4.5,
        description=(
            "Monthly sickness absence rate from ESR for the team's cost centres, watched so "
            "that time spent on improvement work does not cost cover or staff health."
        ),
        numerator_definition="FTE calendar days lost to sickness absence in the month.",
        denominator_definition=(
            "FTE calendar days available in the month (contracted FTE times calendar days)."
        ),
        metric=WorkforceMetric.SICKNESS_ABSENCE_RATE,
        ramp=3,
        noise=0.35,
        bounds=(4.0, 7.0),
    ),
    MeasureSpec(
        code="LEAVER_RATE",
        name="12-month leaver rate",
        kind=OUTCOME,
        # A run chart: rolling twelve-month rates overlap, so their points are not
        # independent and control limits would claim signals that are not there.
        chart=RUN,
        frequency=MONTHLY,
        direction=DOWN,
        unit="%",
        target=10.0,
        description=(
            "Rolling 12-month headcount leaver rate for the team from its monthly ESR "
            "extract, reported monthly: leavers in the 12 months ending with the month, as a "
            "percentage of the mean headcount at the start and at the end of those 12 months. "
            "Moves to another NHS organisation count as leaving."
        ),
        numerator_definition=(
            "Staff (headcount) who left the team in the 12 months ending with the month."
        ),
        denominator_definition=(
            "Mean of the team's headcount on the first day of the first of those 12 months "
            "and on the last day of the month."
        ),
        metric=WorkforceMetric.LEAVER_RATE_12M,
    ),
    MeasureSpec(
        code="IDEAS",
        name="Ideas submitted",
        kind=PROCESS,
        chart=C,
        frequency=MONTHLY,
        direction=UP,
        unit="ideas",
        target=None,
        description=(
            "Improvement ideas submitted by team staff each month (Improve Well or the team "
            "ideas board): a sign of engagement in the work."
        ),
        numerator_definition="Ideas submitted by team staff during the month.",
        denominator_definition=None,
        ramp=2,
    ),
)
