"""Request and response bodies for meetings."""

import uuid
from datetime import datetime

from pydantic import Field

from app.meetings.models import MeetingKind
from app.schemas import (
    InputModel,
    JsonInstant,
    LongText,
    ResourceRead,
    ShortText,
    Url,
    patch_field,
)
from app.schemas import Name as Title


class MeetingCreate(InputModel):
    collaborative_id: uuid.UUID
    title: Title
    kind: MeetingKind
    starts_at: JsonInstant = Field(description="ISO 8601 with an offset; stored in UTC.")
    ends_at: JsonInstant
    location: ShortText | None = None
    online_url: Url | None = None
    agenda: LongText | None = None


class MeetingUpdate(InputModel):
    title: Title = patch_field()
    kind: MeetingKind = patch_field()
    starts_at: JsonInstant = patch_field()
    ends_at: JsonInstant = patch_field()
    location: ShortText | None = patch_field()
    online_url: Url | None = patch_field()
    agenda: LongText | None = patch_field()


class MeetingRead(ResourceRead):
    collaborative_id: uuid.UUID
    title: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    agenda: str | None
