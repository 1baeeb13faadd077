"""Reading and replacing a meeting's attendance."""

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from app.attendance.models import Attendance
from app.attendance.schemas import AttendanceList
from app.errors import FieldProblem, InvalidInput
from app.meetings.models import Meeting
from app.members.models import Member
from app.pagination import paginate


def _check_members(session: Session, data: AttendanceList) -> None:
    wanted = [entry.member_id for entry in data.attendance]
    known = set(session.scalars(select(Member.id).where(Member.id.in_(wanted))))
    errors: list[FieldProblem] = []
    seen: set[object] = set()
    for index, member_id in enumerate(wanted):
        loc = ("body", "attendance", index, "member_id")
        if member_id not in known:
            errors.append(FieldProblem(loc, f"No member with id {member_id}."))
        elif member_id in seen:
            errors.append(FieldProblem(loc, "This member is listed more than once."))
        seen.add(member_id)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the attendance list.", errors)


def replace_attendance(
    session: Session, meeting: Meeting, data: AttendanceList
) -> list[Attendance]:
    _check_members(session, data)
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
    )
