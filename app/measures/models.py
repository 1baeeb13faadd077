"""The measures table: what a team or a whole collaborative measures, and how to chart it."""

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate
from app.spc import Direction

if TYPE_CHECKING:
    from app.data_points.models import DataPoint


class MeasureKind(StrEnum):
    OUTCOME = "outcome"
    PROCESS = "process"
    BALANCING = "balancing"


class ChartType(StrEnum):
    XMR = "xmr"
    RUN = "run"
    P = "p"
    U = "u"
    C = "c"


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


# One code per owner: a collaborative's shared measures, or one team's own.
CODE_TAKEN = Duplicate("duplicate-code", "A measure with this code already exists here.", ("code",))


class Measure(Resource, Base):
    __tablename__ = "measures"
    __table_args__ = (
        unique("collaborative_id", "code", duplicate=CODE_TAKEN),
        unique("team_id", "code", duplicate=CODE_TAKEN),
        CheckConstraint(
            "(collaborative_id IS NULL AND team_id IS NOT NULL)"
            " OR (collaborative_id IS NOT NULL AND team_id IS NULL)",
            name="one_owner",
        ),
    )

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[MeasureKind] = mapped_column(enum_column(MeasureKind))
    unit: Mapped[str | None] = mapped_column(String(40))
    chart: Mapped[ChartType] = mapped_column(enum_column(ChartType))
    # The chart engine's own enum, so the API and its spec have one direction type.
    improvement_direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    target: Mapped[float | None]
    # P and U charts plot numerator / denominator x multiply: 100 for %, 1000 for per 1,000.
    multiply: Mapped[float] = mapped_column(default=1.0, server_default="1")
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    numerator_definition: Mapped[str | None] = mapped_column(Text)
    denominator_definition: Mapped[str | None] = mapped_column(Text)
    collaborative_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("collaboratives.id"), index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # What an import fills the measure's points from (ingest spec 7), in the JSON shape of
    # `schemas.DataSource`; SQL NULL (not JSON null) when unbound, so `IS NULL` finds those.
    data_source: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    # Named by string so measures need not import data_points, which sits above them: only
    # queried (`Measure.data_points.any()`), never loaded (raise) and never written (viewonly).
    data_points: Mapped[list["DataPoint"]] = relationship(viewonly=True, lazy="raise")

    @property
    def needs_fraction(self) -> bool:
        """P and U charts plot numerator / denominator, so points carry both."""
        return self.chart in (ChartType.P, ChartType.U)

    def __repr__(self) -> str:
        return f"Measure({self.code!r})"
