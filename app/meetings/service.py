"""Creating, finding, changing and removing meetings."""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import LONDON
from app.collaboratives.models import Collaborative
from app.db import apply_changes, get_or_404, lock
from app.errors import InvalidInput
from app.meetings.models import Meeting, MeetingKind
from app.meetings.schemas import MeetingCreate, MeetingUpdate
from app.pagination import paginate


def check_times(starts_at: datetime, ends_at: datetime, *, field: str = "ends_at") -> None:
    """A meeting ends after it starts: checked on the whole state (a PATCH merged with the
    stored row), whoever creates or changes it. `field` names the instant the caller sent, so
    the problem points at their input."""
    if ends_at <= starts_at:
        raise InvalidInput.at(("body", field), "ends_at must be after starts_at")


def _check_window(collaborative: Collaborative, field: str, at: datetime) -> None:
    """Meetings fall within a year either side of the collaborative's dates."""
    day = at.astimezone(LONDON).date()
    first, last = collaborative.earliest_joining, collaborative.latest_leaving
    if not first <= day <= last:
        raise InvalidInput.at(("body", field), f"must fall between {first} and {last}")


def create_meeting(session: Session, data: MeetingCreate) -> Meeting:
    check_times(data.starts_at, data.ends_at)
    collaborative = session.get(Collaborative, data.collaborative_id)
    if collaborative is None:
        raise InvalidInput.at(
            ("body", "collaborative_id"), f"No collaborative with id {data.collaborative_id}."
        )
    _check_window(collaborative, "starts_at", data.starts_at)
    _check_window(collaborative, "ends_at", data.ends_at)
    meeting = Meeting(**data.model_dump())
    session.add(meeting)
    session.flush()
    return meeting


def get_meeting(session: Session, meeting_id: uuid.UUID) -> Meeting:
    return get_or_404(session, Meeting, meeting_id, "meeting")


def get_meeting_for_attendance(session: Session, meeting_id: uuid.UUID) -> Meeting:
    """The meeting, its row locked: two registers of one meeting are written one at a time."""
    get_meeting(session, meeting_id)
    return lock(session, Meeting, meeting_id)


def list_meetings(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    collaborative_id: uuid.UUID | None = None,
    kind: MeetingKind | None = None,
    starts_after: datetime | None = None,
) -> tuple[list[Meeting], str | None]:
    """Meetings in date order: what a collaborative's calendar shows."""
    statement = select(Meeting)
    if collaborative_id is not None:
        statement = statement.where(Meeting.collaborative_id == collaborative_id)
    if kind is not None:
        statement = statement.where(Meeting.kind == kind)
    if starts_after is not None:
        statement = statement.where(Meeting.starts_at >= starts_after)
    return paginate(
        session,
        statement,
        sort_key=Meeting.starts_at,
        id_key=Meeting.id,
        limit=limit,
        cursor=cursor,
        list_name="meetings",
        filters={"collaborative_id": collaborative_id, "kind": kind, "starts_after": starts_after},
    )


def update_meeting(session: Session, meeting: Meeting, patch: MeetingUpdate) -> Meeting:
    changes = patch.model_dump(exclude_unset=True)
    check_times(
        changes.get("starts_at", meeting.starts_at),
        changes.get("ends_at", meeting.ends_at),
        field="ends_at" if "ends_at" in changes else "starts_at",
    )
    collaborative = session.get_one(Collaborative, meeting.collaborative_id)
    for field in ("starts_at", "ends_at"):
        if field in changes:
            _check_window(collaborative, field, changes[field])
    apply_changes(meeting, changes)
    session.flush()
    return meeting


def delete_meeting(session: Session, meeting: Meeting) -> None:
    """Its attendance goes with it (ON DELETE CASCADE)."""
    session.delete(meeting)
    session.flush()
