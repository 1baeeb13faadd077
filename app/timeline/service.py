"""The collaborative's timeline (workflow spec 5): its milestones, its learning sessions in
date order, the prework before the first, and an action period between each two (and after
the last while days remain), with the PDSA cycles each period saw start, per team."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.clock import LONDON
from app.collaboratives.models import Collaborative
from app.meetings.models import Meeting, MeetingKind
from app.pdsa_cycles.models import PdsaCycle
from app.teams.models import Team
from app.timeline.schemas import MilestoneName


@dataclass(frozen=True)
class Milestone:
    name: MilestoneName
    date: date


@dataclass(frozen=True)
class SessionDay:
    meeting: Meeting
    date: date


@dataclass(frozen=True)
class Period:
    kind: str  # "prework" or "action_period"
    starts_on: date
    ends_on: date
    cycles: dict[uuid.UUID, list[PdsaCycle]] = field(default_factory=dict)


Entry = Milestone | SessionDay | Period


def _day(entry: Entry) -> tuple[date, int]:
    if isinstance(entry, Milestone):
        return entry.date, 0
    if isinstance(entry, SessionDay):
        return entry.date, 1
    return entry.starts_on, 2


def timeline(
    session: Session, collaborative: Collaborative, visible: ColumnElement[bool] | None
) -> list[Entry]:
    """The entries in date order; the cycles only of teams in `visible` (the caller's reach;
    None: every team)."""
    named: list[tuple[MilestoneName, date | None]] = [
        ("applications_close", collaborative.applications_close_on),
        ("selection", collaborative.selected_on),
        ("start", collaborative.starts_on),
        ("end", collaborative.ends_on),
    ]
    entries: list[Entry] = [Milestone(name, day) for name, day in named if day is not None]
    meetings = session.scalars(
        select(Meeting)
        .where(
            Meeting.collaborative_id == collaborative.id,
            Meeting.kind == MeetingKind.LEARNING_SESSION,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    sessions = [SessionDay(m, m.starts_at.astimezone(LONDON).date()) for m in meetings]
    entries += sessions
    periods = _periods(collaborative, [s.date for s in sessions])
    _fill(session, collaborative, periods, visible)
    entries += periods
    return sorted(entries, key=_day)


def _periods(collaborative: Collaborative, days: list[date]) -> list[Period]:
    periods = []
    if days and collaborative.starts_on < days[0]:
        periods.append(Period("prework", collaborative.starts_on, days[0]))
    for first, second in pairwise(days):
        if first < second:
            periods.append(Period("action_period", first, second))
    if days and days[-1] < collaborative.ends_on:
        periods.append(Period("action_period", days[-1], collaborative.ends_on))
    return periods


def _fill(
    session: Session,
    collaborative: Collaborative,
    periods: list[Period],
    visible: ColumnElement[bool] | None,
) -> None:
    """Each action period's cycles, by the day they started (from its first day up to the
    day before the next session)."""
    actions = [period for period in periods if period.kind == "action_period"]
    if not actions:
        return
    statement = (
        select(PdsaCycle)
        .join(Team, Team.id == PdsaCycle.team_id)
        .where(
            Team.collaborative_id == collaborative.id,
            PdsaCycle.starts_on >= actions[0].starts_on,
            PdsaCycle.starts_on <= actions[-1].ends_on,
        )
        .order_by(PdsaCycle.starts_on, PdsaCycle.number, PdsaCycle.id)
    )
    if visible is not None:
        statement = statement.where(visible)
    last = actions[-1]
    for cycle in session.scalars(statement):
        for period in actions:
            inside = period.starts_on <= cycle.starts_on < period.ends_on or (
                period is last and cycle.starts_on == last.ends_on
            )
            if inside:
                period.cycles.setdefault(cycle.team_id, []).append(cycle)
                break
