"""Reading and replacing a meeting's attendance."""

import uuid

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from app.attendance.models import Attendance
from app.attendance.schemas import AttendanceList
from app.errors import FieldProblem, InvalidInput
from app.meetings.models import Meeting
from app.members.models import Member
from app.memberships.models import Membership
from app.pagination import paginate
from app.teams.models import Team


def _check_members(session: Session, meeting: Meeting, data: AttendanceList) -> None:
    """Each person exists, is listed once, and belongs to the meeting's collaborative: a member
    (now or before) of one of its teams, or the coach of one."""
    wanted = [entry.member_id for entry in data.attendance]
    known = set(session.scalars(select(Member.id).where(Member.id.in_(wanted))))
    teams = select(Team.id).where(Team.collaborative_id == meeting.collaborative_id)
    taking_part = set(
        session.scalars(
            select(Membership.member_id).where(
                Membership.member_id.in_(wanted), Membership.team_id.in_(teams)
            )
        )
    ) | set(
        session.scalars(
            select(Team.coach_id).where(
                Team.coach_id.in_(wanted), Team.collaborative_id == meeting.collaborative_id
            )
        )
    )
    errors: list[FieldProblem] = []
    seen: set[object] = set()
    for index, member_id in enumerate(wanted):
        loc = ("body", "attendance", index, "member_id")
        if member_id not in known:
            errors.append(FieldProblem(loc, f"No member with id {member_id}."))
        elif member_id not in taking_part:
            errors.append(
                FieldProblem(
                    loc,
                    f"Member {member_id} is in no team of this meeting's collaborative, nor"
                    " coaches one.",
                )
            )
        elif member_id in seen:
            errors.append(FieldProblem(loc, "This member is listed more than once."))
        seen.add(member_id)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the attendance list.", errors)


def register_versions(session: Session, meeting: Meeting) -> list[tuple[uuid.UUID, int]]:
    """(id, version) of every row of the meeting's register, whoever asks (not only the rows
    they see): what the register's ETag is made of."""
    rows = session.execute(
        select(Attendance.id, Attendance.version).where(Attendance.meeting_id == meeting.id)
    )
    return [(row.id, row.version) for row in rows]


def replace_attendance(
    session: Session, meeting: Meeting, data: AttendanceList
) -> list[Attendance]:
    _check_members(session, meeting, data)
    session.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    rows = [
        Attendance(meeting_id=meeting.id, member_id=entry.member_id, status=entry.status)
        for entry in data.attendance
    ]
    session.add_all(rows)
    session.flush()
    return sorted(rows, key=lambda row: (row.created_at, row.id))


def list_attendance(
    session: Session,
    meeting: Meeting,
    *,
    limit: int,
    cursor: str | None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Attendance], str | None]:
    """The meeting's register, limited to the people `visible` names when given."""
    statement = select(Attendance).where(Attendance.meeting_id == meeting.id)
    if visible is not None:
        statement = statement.where(Attendance.member_id.in_(select(Member.id).where(visible)))
    return paginate(
        session,
        statement,
        sort_key=Attendance.created_at,
        id_key=Attendance.id,
        limit=limit,
        cursor=cursor,
        list_name="attendance",
        filters={"meeting_id": meeting.id},
    )
