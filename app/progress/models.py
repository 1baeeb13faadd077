"""The progress_scores table: one assessment of a team on the scale, by the team or its coach."""

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column
from app.progress.scale import BY_HALF_POINTS


class Assessor(StrEnum):
    TEAM = "team"  # the team's self-assessment
    COACH = "coach"  # the faculty's (the QI coach or a programme lead)


class ProgressScore(Resource, Base):
    __tablename__ = "progress_scores"
    __table_args__ = (
        CheckConstraint("half_points BETWEEN 1 AND 10", name="on_the_scale"),
        # One score per team, assessor and meeting (a repeat replaces it); without a meeting,
        # as many as the team likes.
        Index(
            "uq_progress_scores_team_assessor_meeting",
            "team_id",
            "assessor",
            "meeting_id",
            unique=True,
            sqlite_where=text("meeting_id IS NOT NULL"),
            postgresql_where=text("meeting_id IS NOT NULL"),
        ),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    # The score times two (0.5 -> 1, 5.0 -> 10): exact, and ordered.
    half_points: Mapped[int] = mapped_column(Integer)
    assessor: Mapped[Assessor] = mapped_column(enum_column(Assessor))
    assessed_on: Mapped[date]
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    rationale: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))  # "user:<id>"

    @property
    def score(self) -> float:
        return self.half_points / 2

    @property
    def label(self) -> str:
        return BY_HALF_POINTS[self.half_points].label
