"""Response bodies of the collaborative's timeline (workflow spec 5)."""

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.pdsa_cycles.models import CycleStatus, Decision
from app.schemas import ReadModel

MilestoneName = Literal["applications_close", "selection", "start", "end"]


class Milestone(ReadModel):
    kind: Literal["milestone"] = "milestone"
    name: MilestoneName
    date: date


class LearningSession(ReadModel):
    kind: Literal["learning_session"] = "learning_session"
    meeting_id: uuid.UUID
    title: str
    date: date


class Prework(ReadModel):
    kind: Literal["prework"] = "prework"
    starts_on: date
    ends_on: date


class CycleSummary(ReadModel):
    id: uuid.UUID
    change_idea_id: uuid.UUID
    number: int
    title: str
    starts_on: date
    status: CycleStatus
    decision: Decision | None


class ActionPeriod(ReadModel):
    kind: Literal["action_period"] = "action_period"
    starts_on: date
    ends_on: date
    pdsa_cycles: dict[uuid.UUID, list[CycleSummary]] = Field(
        description="Per team the caller reaches: the cycles that started in the period."
    )


Entry = Annotated[Milestone | LearningSession | Prework | ActionPeriod, Field(discriminator="kind")]


class TimelineRead(ReadModel):
    collaborative_id: uuid.UUID
    entries: list[Entry] = Field(
        description="In date order (an entry's `date` or `starts_on`); a milestone before a"
        " session or period of the same day."
    )
