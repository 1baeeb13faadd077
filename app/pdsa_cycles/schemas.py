"""Request and response bodies for PDSA cycles (fields from the IHI PDSA worksheet)."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field

from app.change_ideas.models import IdeaOrigin, IdeaStatus
from app.pdsa_cycles.models import CycleStatus, Decision
from app.schemas import (
    InputModel,
    JsonDate,
    LongText,
    Name,
    ReadModel,
    ResourceRead,
    ShortText,
    patch_field,
)


class Task(InputModel):
    what: ShortText
    who: ShortText | None = None
    when: ShortText | None = None
    where: ShortText | None = None


class TaskRead(ReadModel):
    what: str
    who: str | None = None
    when: str | None = None
    where: str | None = None


class Plan(InputModel):
    tasks: Annotated[list[Task], Field(max_length=50)] = Field(default_factory=list)


class PlanRead(ReadModel):
    tasks: list[TaskRead] = Field(default_factory=list)


MeasureIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=20,
        description="The measures that will show the effect: the team's own or its"
        " collaborative's shared ones. The cycle shows on their charts.",
    ),
]


class PdsaCycleCreate(InputModel):
    change_idea_id: uuid.UUID = Field(description="One of the team's change ideas.")
    title: Name
    objective: LongText | None = None
    prediction: LongText | None = None
    plan: Plan = Field(default_factory=Plan)
    data_plan: LongText | None = None
    measure_ids: MeasureIds = Field(default_factory=list)
    starts_on: JsonDate
    ends_on: JsonDate | None = None
    status: CycleStatus = CycleStatus.PLANNED
    observations: LongText | None = None
    study: LongText | None = None
    decision: Decision | None = None
    next_steps: LongText | None = None


class PdsaCycleUpdate(InputModel):
    title: Name = patch_field()
    objective: LongText | None = patch_field()
    prediction: LongText | None = patch_field()
    plan: Plan = patch_field()
    data_plan: LongText | None = patch_field()
    measure_ids: MeasureIds = patch_field()
    starts_on: JsonDate = patch_field()
    ends_on: JsonDate | None = patch_field()
    status: CycleStatus = patch_field(
        description="Forward only (`planned` -> `doing` -> `studying` -> `done`, skipping"
        " allowed); `done` needs `study` and `decision` (409 otherwise)."
    )
    observations: LongText | None = patch_field()
    study: LongText | None = patch_field()
    decision: Decision | None = patch_field()
    next_steps: LongText | None = patch_field()


class PdsaCycleRead(ResourceRead):
    team_id: uuid.UUID
    change_idea_id: uuid.UUID
    number: int = Field(description="1, 2, ... within its change idea, given by the service.")
    title: str
    objective: str | None
    prediction: str | None
    plan: PlanRead
    data_plan: str | None
    measure_ids: list[uuid.UUID]
    starts_on: date
    ends_on: date | None
    status: CycleStatus
    observations: str | None
    study: str | None
    decision: Decision | None
    decided_on: date | None = Field(description="The day the decision was recorded.")
    next_steps: str | None


class PackageIdea(ReadModel):
    id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    title: str
    description: str | None
    origin: IdeaOrigin
    status: IdeaStatus = Field(description="Its outcome so far.")
    theme: str | None
    needs_funding: bool
    cycles: int = Field(description="How many PDSA cycles tested it.")
    latest_decision: Decision | None = Field(description="Its latest finished cycle's decision.")


class PackageGroup(ReadModel):
    driver: str | None = Field(description="The driver's title; null: ideas with no driver.")
    ideas: list[PackageIdea]


class ChangePackageRead(ReadModel):
    collaborative_id: uuid.UUID
    groups: list[PackageGroup] = Field(
        description="The ideas teams marked `shared`, grouped by their driver's title"
        " (case-insensitive), ideas with no driver last: what others can test and scale up."
    )
