"""The rebases table: dates at which a team's chart of a measure starts a new period."""

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource


class Rebase(Resource, Base):
    __tablename__ = "rebases"
    __table_args__ = (UniqueConstraint("team_id", "measure_id", "starts_on"),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    measure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("measures.id"), index=True)
    starts_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(1000))

    def __repr__(self) -> str:
        return f"Rebase({self.starts_on})"
