"""Load a deterministic demo collaborative (fictitious people, real South Yorkshire trusts)."""

import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.service import create_account
from app.attendance.models import Attendance, AttendanceStatus
from app.audit.service import AuditTrail
from app.auth.models import Role
from app.collaboratives.models import Collaborative
from app.data_points.models import DataPoint
from app.db import Base
from app.demo_data import (
    ATTENDANCE_MEETINGS,
    COACH_ORGANISATION,
    COACHES,
    COLLABORATIVE,
    FIRST_MONTH,
    FIRST_WEEK,
    LAST_MONTH,
    LAST_WEEK,
    MEASURES,
    MEETINGS,
    ORGANISATIONS,
    SEED,
    SOURCE,
    SURVEY,
    TEAM_STATUS,
    TEAMS,
    TIME_ZONE,
    MeasureSpec,
    MeetingSpec,
    PersonSpec,
    TeamSpec,
)
from app.demo_surveys import load_survey
from app.demo_workflow import load_workflow
from app.demo_workforce import SICKNESS, load_workforce
from app.disclosure import DEFAULT_THRESHOLD
from app.equality.models import EqualityProfile
from app.measures.models import ChartType, Frequency, Measure
from app.measures.schemas import SurveyQuestionSource, WorkforceSource
from app.meetings.models import Meeting
from app.members.models import Member
from app.memberships.models import Membership, MembershipRole
from app.organisations.models import Organisation
from app.teams.models import Team, TeamExternalRef

# The characteristics the demo collaborative counts for its lead rule.
UNDER_REPRESENTED = ("ethnic_category", "disability", "sexual_orientation", "gender_identity")
# One fictitious profile per team lead, in team order: five meet the rule in different ways,
# and one lead chose not to say, so that team shows "unknown".
LEAD_PROFILES: tuple[dict[str, str], ...] = (
    {"ethnic_category": "N", "disability": "N", "age_band": "35-44"},
    {"ethnic_category": "A", "disability": "Y", "age_band": "45-54"},
    {"ethnic_category": "H", "sexual_orientation": "1", "age_band": "25-34"},
    {"ethnic_category": "A", "sexual_orientation": "3", "disability": "N"},
    {"ethnic_category": "prefer_not_to_say", "disability": "prefer_not_to_say"},
    {"ethnic_category": "M", "gender_identity": "2", "age_band": "35-44"},
)

# How often a team member was present, sent apologies or was absent at a learning session.
ATTENDANCE_WEIGHTS = (
    (AttendanceStatus.PRESENT, 0.75),
    (AttendanceStatus.APOLOGIES, 0.18),
    (AttendanceStatus.ABSENT, 0.07),
)


@dataclass(frozen=True)
class DemoSummary:
    """What load_demo inserted."""

    collaborative_id: uuid.UUID
    organisations: int
    teams: int
    members: int
    measures: int
    data_points: int
    meetings: int
    survey_responses: int  # generated, counted into the stored aggregates, never stored
    survey_slices: int  # (team, week) aggregates stored
    workforce_months: int  # (team, month) workforce figures stored, by one import
    workforce_import_id: uuid.UUID


def database_is_empty(session: Session) -> bool:
    """True when no organisations, collaboratives, teams, members, measures or meetings exist."""
    models = (Organisation, Collaborative, Team, Member, Measure, Meeting)
    return all(session.execute(select(model.id).limit(1)).first() is None for model in models)


def clear_database(session: Session) -> None:
    """Delete every row of every table, children first: what `qicollab demo --force` replaces.
    The audit trail is append-only and stays."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name != "audit_events":
            session.execute(table.delete())


def load_demo(session: Session, *, threshold: int = DEFAULT_THRESHOLD) -> DemoSummary:
    """Insert the demo collaborative into an empty database; flushes but never commits.

    The measures bound to the weekly survey and to workforce metrics get their points as a
    deployment's would: from the survey aggregates stored (`app.demo_surveys`) and the
    monthly workforce figures one demo import stored (`app.demo_workforce`), suppressed below
    `threshold` people (the service's QI_MIN_RESPONSES); the others' points are typed in."""
    rng = random.Random(SEED)
    organisations = {
        code: Organisation(ods_code=code, name=name, kind=kind)
        for code, name, kind in ORGANISATIONS
    }
    spec = COLLABORATIVE
    collaborative = Collaborative(
        name=spec.name,
        aim=spec.aim,
        region=spec.region,
        starts_on=spec.starts_on,
        ends_on=spec.ends_on,
        max_teams=spec.max_teams,
        max_team_size=spec.max_team_size,
        status=spec.status,
        under_represented=list(UNDER_REPRESENTED),
    )
    session.add_all([*organisations.values(), collaborative])
    session.flush()

    coaches = [_member(person, organisations[COACH_ORGANISATION]) for person in COACHES]
    people = {
        team.name: [_member(p, organisations[team.ods_code]) for p in team.people] for team in TEAMS
    }
    members = coaches + [member for group in people.values() for member in group]
    session.add_all(members)
    session.flush()

    teams = [_team(spec, collaborative, organisations, coaches) for spec in TEAMS]
    measures = [_measure(spec, collaborative) for spec in MEASURES]
    session.add_all([*teams, *measures])
    session.flush()

    memberships = [
        Membership(
            team_id=team.id,
            member_id=member.id,
            role=person.role,
            joined_on=person.joined_on,
            left_on=person.left_on,
        )
        for team, spec in zip(teams, TEAMS, strict=True)
        for person, member in zip(spec.people, people[spec.name], strict=True)
    ]
    meetings = [_meeting(spec, collaborative) for spec in MEETINGS]
    points = [
        point
        for team, team_spec in zip(teams, TEAMS, strict=True)
        for measure, measure_spec in zip(measures, MEASURES, strict=True)
        if not measure_spec.bound
        for point in _data_points(rng, team, team_spec, measure, measure_spec)
    ]
    session.add_all([*memberships, *meetings, *points])
    session.flush()
    survey = load_survey(
        session,
        [(team.id, spec, _weekly_levels(spec)) for team, spec in zip(teams, TEAMS, strict=True)],
        threshold=threshold,
    )
    workforce = load_workforce(
        session,
        collaborative.id,
        [
            (team.id, spec, dict(expected_levels(spec, SICKNESS)))
            for team, spec in zip(teams, TEAMS, strict=True)
        ],
        {code: organisation.id for code, organisation in organisations.items()},
        threshold=threshold,
    )
    # The teams' PDSA cycles, on the weeks their data changes, show on NOTE_MEASURE's charts.
    load_workflow(session, collaborative, teams)

    # Each lead's self-declared profile (fictitious), so the lead rule has something to show.
    leads = [m for m in memberships if m.role == MembershipRole.LEAD]
    session.add_all(
        EqualityProfile(member_id=lead.member_id, **answers)
        for lead, answers in zip(leads, LEAD_PROFILES, strict=True)
    )

    recorded = list(zip(meetings, MEETINGS, strict=True))[:ATTENDANCE_MEETINGS]
    session.add_all(_attendance(rng, recorded, memberships))
    session.flush()
    return DemoSummary(
        collaborative_id=collaborative.id,
        organisations=len(organisations),
        teams=len(teams),
        members=len(members),
        measures=len(measures),
        data_points=len(points) + survey.points.points_written + workforce.points.points_written,
        meetings=len(meetings),
        survey_responses=survey.respondents,
        survey_slices=survey.slices,
        workforce_months=workforce.months,
        workforce_import_id=workforce.import_id,
    )


def _member(person: PersonSpec, organisation: Organisation) -> Member:
    return Member(
        name=person.name,
        email=person.email,
        job_title=person.job_title,
        staff_group=person.staff_group,
        band=person.band,
        organisation_id=organisation.id,
    )


def _team(
    spec: TeamSpec,
    collaborative: Collaborative,
    organisations: dict[str, Organisation],
    coaches: list[Member],
) -> Team:
    return Team(
        collaborative_id=collaborative.id,
        name=spec.name,
        aim=spec.aim,
        service_area=spec.service_area,
        status=TEAM_STATUS,
        coach_id=coaches[spec.coach].id,
        organisations=[organisations[spec.ods_code]],
        external_refs=[TeamExternalRef(ods_code=spec.ods_code, ref=spec.team_ref, position=0)],
    )


def _measure(spec: MeasureSpec, collaborative: Collaborative) -> Measure:
    return Measure(
        code=spec.code,
        name=spec.name,
        description=spec.description,
        kind=spec.kind,
        unit=spec.unit,
        chart=spec.chart,
        improvement_direction=spec.direction,
        target=spec.target,
        # Proportions are shown as percentages, the unit their targets are written in.
        multiply=100.0 if spec.chart == ChartType.P else 1.0,
        frequency=spec.frequency,
        numerator_definition=spec.numerator_definition,
        denominator_definition=spec.denominator_definition,
        collaborative_id=collaborative.id,
        team_id=None,
        data_source=_data_source(spec),
    )


def _data_source(spec: MeasureSpec) -> dict[str, str] | None:
    if spec.question is not None:
        return SurveyQuestionSource(
            type="survey-question", survey=SURVEY, question=spec.question
        ).model_dump(mode="json")
    if spec.metric is not None:
        return WorkforceSource(type="workforce", metric=spec.metric).model_dump(mode="json")
    return None


def _meeting(spec: MeetingSpec, collaborative: Collaborative) -> Meeting:
    zone = ZoneInfo(TIME_ZONE)
    return Meeting(
        collaborative_id=collaborative.id,
        title=spec.title,
        kind=spec.kind,
        starts_at=datetime.combine(spec.on, spec.starts, tzinfo=zone),
        ends_at=datetime.combine(spec.on, spec.ends, tzinfo=zone),
        location=spec.location,
        online_url=spec.online_url,
        agenda=spec.agenda,
    )


def _periods(frequency: Frequency) -> Iterator[date]:
    """Period starts: Mondays for weekly measures, first days of months for monthly ones."""
    if frequency is Frequency.WEEKLY:
        day = FIRST_WEEK
        while day <= LAST_WEEK:
            yield day
            day += timedelta(weeks=1)
        return
    day = FIRST_MONTH
    while day <= LAST_MONTH:
        yield day
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)


def expected_levels(spec: TeamSpec, measure: MeasureSpec) -> Iterator[tuple[date, float]]:
    """Each period start with the team's expected level: a ramp from before to after a change."""
    before = spec.before.of(measure.code)
    after = before if spec.after is None else spec.after.of(measure.code)
    since_change = 0  # periods since the change started, counting the first one
    for period_start in _periods(measure.frequency):
        if spec.change_on is not None and period_start >= spec.change_on:
            since_change += 1
        yield period_start, before + (after - before) * min(1.0, since_change / measure.ramp)


def _weekly_levels(spec: TeamSpec) -> dict[date, dict[str, float]]:
    """The team's expected favourable share of each survey question a measure is bound to,
    by week: what its generated respondents answer to."""
    weekly: dict[date, dict[str, float]] = {}
    for measure in MEASURES:
        if measure.question is not None:
            for week, level in expected_levels(spec, measure):
                weekly.setdefault(week, {})[measure.question] = level
    return weekly


def _data_points(
    rng: random.Random, team: Team, spec: TeamSpec, measure: Measure, measure_spec: MeasureSpec
) -> Iterator[DataPoint]:
    """A typed-in point per period, drawn around the team's expected level."""
    for period_start, level in expected_levels(spec, measure_spec):
        point = DataPoint(
            team_id=team.id, measure_id=measure.id, period_start=period_start, source=SOURCE
        )
        if measure_spec.chart is ChartType.P:  # ratings; the good ones
            ratings = rng.randint(*spec.respondents)
            point.denominator = float(ratings)
            point.numerator = float(sum(rng.random() < level for _ in range(ratings)))
        elif measure_spec.chart is ChartType.C:
            point.value = float(_poisson(rng, level))
        else:
            low, high = measure_spec.bounds
            point.value = round(min(high, max(low, rng.gauss(level, measure_spec.noise))), 1)
        yield point


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; fine for the small means used here)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _attendance(
    rng: random.Random, meetings: list[tuple[Meeting, MeetingSpec]], memberships: list[Membership]
) -> Iterator[Attendance]:
    statuses = [status for status, _ in ATTENDANCE_WEIGHTS]
    weights = [weight for _, weight in ATTENDANCE_WEIGHTS]
    for meeting, spec in meetings:
        for membership in memberships:
            if _in_team(membership, spec.on):
                status = rng.choices(statuses, weights)[0]
                yield Attendance(
                    meeting_id=meeting.id, member_id=membership.member_id, status=status
                )


def _in_team(membership: Membership, on: date) -> bool:
    """Whether the member had joined and not yet left the team on that day."""
    return membership.joined_on <= on and (membership.left_on is None or membership.left_on > on)


def create_demo_accounts(
    session: Session, trail: AuditTrail, password_for: Callable[[str], str]
) -> list[tuple[str, Role, str]]:
    """One account per role on the loaded demo: the programme lead, the first team's coach
    and its lead, each linked to their member record by email (the coach reaches the teams
    whose coach they are). Returns (email, role, password) to print once."""
    first_team = session.scalars(select(Team).order_by(Team.created_at, Team.id)).first()
    assert first_team is not None, "load the demo first"
    assert first_team.coach_id is not None
    coach = session.get_one(Member, first_team.coach_id)
    lead = session.scalars(
        select(Membership).where(
            Membership.team_id == first_team.id, Membership.role == MembershipRole.LEAD
        )
    ).one()
    lead_member = session.get_one(Member, lead.member_id)
    wanted = [
        ("programme.lead@example.nhs.uk", Role.ADMIN),
        (coach.email, Role.COACH),
        (lead_member.email, Role.MEMBER),
    ]
    created = []
    for email, role in wanted:
        password = password_for(email)
        create_account(session, trail, email=email, role=role, password=password)
        created.append((email, role, password))
    return created
