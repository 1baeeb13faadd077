"""Request and response bodies for a meeting's attendance."""

import uuid

from pydantic import Field

from app.attendance.models import AttendanceStatus
from app.schemas import InputModel, ResourceRead

MAX_ATTENDEES = 500


class AttendanceIn(InputModel):
    member_id: uuid.UUID
    status: AttendanceStatus


class AttendanceList(InputModel):
    attendance: list[AttendanceIn] = Field(max_length=MAX_ATTENDEES)


class AttendanceRead(ResourceRead):
    meeting_id: uuid.UUID
    member_id: uuid.UUID
    status: AttendanceStatus
