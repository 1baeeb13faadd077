"""The collaboratives table."""

from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column


class CollaborativeStatus(StrEnum):
    PLANNING = "planning"
    RECRUITING = "recruiting"
    RUNNING = "running"
    COMPLETED = "completed"


class Collaborative(Resource, Base):
    __tablename__ = "collaboratives"

    name: Mapped[str] = mapped_column(String(200))
    aim: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    max_teams: Mapped[int] = mapped_column(default=6)
    max_team_size: Mapped[int] = mapped_column(default=5)
    status: Mapped[CollaborativeStatus] = mapped_column(
        enum_column(CollaborativeStatus), default=CollaborativeStatus.PLANNING
    )
    # The protected characteristics its lead rule counts (names from app.equality.codes).
    under_represented: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    def __repr__(self) -> str:
        return f"Collaborative({self.name!r})"
