"""The pdsa_cycles table and the measures each cycle watches."""

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, Resource, enum_column, unique
from app.errors import Duplicate
from app.measures.models import Measure


class CycleStatus(StrEnum):
    PLANNED = "planned"
    DOING = "doing"
    STUDYING = "studying"
    DONE = "done"


# Forward only: a cycle's status may move to any later one, never back.
STATUS_ORDER = {status: rank for rank, status in enumerate(CycleStatus)}


class Decision(StrEnum):
    ADOPT = "adopt"
    ADAPT = "adapt"
    ABANDON = "abandon"


# The past tense an annotation uses: "PDSA 2: Protected breaks adopted".
DECIDED_WORD = {Decision.ADOPT: "adopted", Decision.ADAPT: "adapted", Decision.ABANDON: "abandoned"}

pdsa_cycle_measures = Table(
    "pdsa_cycle_measures",
    Base.metadata,
    Column("pdsa_cycle_id", ForeignKey("pdsa_cycles.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", ForeignKey("measures.id"), primary_key=True, index=True),
)

NUMBER_TAKEN = Duplicate(
    "duplicate-cycle-number", "The change idea already has a cycle of this number.", ("number",)
)


class PdsaCycle(Resource, Base):
    __tablename__ = "pdsa_cycles"
    __table_args__ = (unique("change_idea_id", "number", duplicate=NUMBER_TAKEN),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), index=True)
    change_idea_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("change_ideas.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the idea
    title: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str | None] = mapped_column(Text)
    prediction: Mapped[str | None] = mapped_column(Text)
    # {"tasks": [{"what", "who", "when", "where"}]}
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_plan: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    status: Mapped[CycleStatus] = mapped_column(enum_column(CycleStatus))
    observations: Mapped[str | None] = mapped_column(Text)
    study: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision))
    next_steps: Mapped[str | None] = mapped_column(Text)
    # The day the decision was recorded: where it shows on a chart when there is no ends_on.
    decided_on: Mapped[date | None]

    measures: Mapped[list[Measure]] = relationship(
        secondary=pdsa_cycle_measures, lazy="selectin", order_by=Measure.code
    )

    @property
    def measure_ids(self) -> list[uuid.UUID]:
        return [measure.id for measure in self.measures]

    @property
    def decision_day(self) -> date | None:
        """Where the decision shows on a chart: `ends_on`, or the day it was recorded."""
        if self.decision is None:
            return None
        return self.ends_on or self.decided_on
