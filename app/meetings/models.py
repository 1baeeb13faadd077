"""The meetings table."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column


class MeetingKind(StrEnum):
    LEARNING_SESSION = "learning_session"
    COACHING = "coaching"
    SHOWCASE = "showcase"
    OTHER = "other"


class Meeting(Resource, Base):
    __tablename__ = "meetings"

    collaborative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(2000))
    agenda: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Meeting({self.title!r}, {self.starts_at:%Y-%m-%d})"
