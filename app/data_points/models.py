"""The data_points table: one value of a team's measure for one period."""

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource


class DataPoint(Resource, Base):
    __tablename__ = "data_points"
    __table_args__ = (
        UniqueConstraint("team_id", "measure_id", "period_start"),
        CheckConstraint(
            "NOT suppressed OR (value IS NULL AND numerator IS NULL AND denominator IS NULL)",
            name="suppressed_is_empty",
        ),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    measure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("measures.id"), index=True)
    period_start: Mapped[date]
    value: Mapped[float | None]
    numerator: Mapped[float | None]
    denominator: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str | None] = mapped_column(String(100))
    # Ingest spec 5.4: an import's aggregate below the disclosure threshold leaves its period
    # a gap, with no number at all; only the service's imports write it, never a client.
    suppressed: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"DataPoint({self.period_start}, {self.value})"
