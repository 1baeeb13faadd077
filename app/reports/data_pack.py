"""The data behind a report, a table a sheet (workflow spec 7): the XLSX pack's rows."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attendance.models import Attendance
from app.change_ideas.models import ChangeIdea
from app.data_points.models import DataPoint
from app.members.models import Member
from app.memberships.models import Membership
from app.pdsa_cycles.models import PdsaCycle
from app.progress.models import ProgressScore
from app.reports.service import learning_day, learning_sessions, shared_measures
from app.reports.xlsx import Cell
from app.teams.models import Team

Sheet = tuple[list[str], list[list[Cell]]]


def data_pack(session: Session, collaborative_id: uuid.UUID, teams: list[Team]) -> dict[str, Sheet]:
    """The data behind a report, a table a sheet (spec 7): its teams, their shared measures'
    points, cycles, ideas, progress scores, and the learning sessions' attendance."""
    names = {team.id: team.name for team in teams}
    ids = list(names)
    measures = {m.id: m for m in shared_measures(session, collaborative_id)}
    points = session.execute(
        select(DataPoint)
        .where(DataPoint.team_id.in_(ids), DataPoint.measure_id.in_(list(measures)))
        .order_by(DataPoint.team_id, DataPoint.measure_id, DataPoint.period_start)
    ).scalars()
    cycles = session.scalars(
        select(PdsaCycle).where(PdsaCycle.team_id.in_(ids)).order_by(PdsaCycle.starts_on)
    )
    ideas = session.scalars(
        select(ChangeIdea).where(ChangeIdea.team_id.in_(ids)).order_by(ChangeIdea.created_at)
    )
    titles = {
        idea.id: idea.title
        for idea in session.scalars(select(ChangeIdea).where(ChangeIdea.team_id.in_(ids)))
    }
    scores = session.scalars(
        select(ProgressScore)
        .where(ProgressScore.team_id.in_(ids))
        .order_by(ProgressScore.assessed_on, ProgressScore.created_at)
    )
    return {
        "teams": (
            ["team", "status", "service_area", "aim"],
            [[t.name, str(t.status), t.service_area, t.aim] for t in teams],
        ),
        "measures": (
            [
                "team",
                "measure_code",
                "measure",
                "period_start",
                "value",
                "numerator",
                "denominator",
                "suppressed",
                "note",
            ],
            [
                [
                    names[p.team_id],
                    measures[p.measure_id].code,
                    measures[p.measure_id].name,
                    p.period_start,
                    p.value,
                    p.numerator,
                    p.denominator,
                    p.suppressed,
                    p.note,
                ]
                for p in points
            ],
        ),
        "pdsa_cycles": (
            [
                "team",
                "change_idea",
                "number",
                "title",
                "starts_on",
                "ends_on",
                "status",
                "decision",
                "study",
            ],
            [
                [
                    names[c.team_id],
                    titles.get(c.change_idea_id),
                    c.number,
                    c.title,
                    c.starts_on,
                    c.ends_on,
                    str(c.status),
                    str(c.decision) if c.decision else None,
                    c.study,
                ]
                for c in cycles
            ],
        ),
        "change_ideas": (
            ["team", "title", "origin", "status", "shared", "theme", "needs_funding"],
            [
                [
                    names[i.team_id],
                    i.title,
                    str(i.origin),
                    str(i.status),
                    i.shared,
                    i.theme,
                    i.needs_funding,
                ]
                for i in ideas
            ],
        ),
        "progress_scores": (
            ["team", "assessor", "score", "label", "assessed_on", "rationale"],
            [
                [names[s.team_id], str(s.assessor), s.score, s.label, s.assessed_on, s.rationale]
                for s in scores
            ],
        ),
        "attendance": (
            ["learning_session", "date", "team", "person", "status"],
            _attendance_rows(session, collaborative_id, names),
        ),
    }


def _attendance_rows(
    session: Session, collaborative_id: uuid.UUID, names: dict[uuid.UUID, str]
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for meeting in learning_sessions(session, collaborative_id):
        day = learning_day(meeting)
        for team_id, person, status in session.execute(
            select(Membership.team_id, Member.name, Attendance.status)
            .join(Member, Member.id == Attendance.member_id)
            .join(Membership, Membership.member_id == Attendance.member_id)
            .where(
                Attendance.meeting_id == meeting.id,
                Membership.team_id.in_(list(names)),
                Membership.joined_on <= day,
                Membership.is_current_clause(on=day),
            )
            .order_by(Member.name)
            .distinct()
        ):
            rows.append([meeting.title, day, names[team_id], person, str(status)])
    return rows
