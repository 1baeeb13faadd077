"""Request and response bodies for change ideas, driver diagrams and the change package."""

import uuid
from typing import Annotated

from pydantic import AfterValidator, Field

from app.change_ideas.models import IdeaOrigin, IdeaStatus
from app.schemas import (
    InputModel,
    LongText,
    Name,
    ReadModel,
    ResourceRead,
    ShortText,
    patch_field,
    text,
)
from app.teams.models import ExternalSystem

Title = Annotated[str, text(500, min_length=1)]


class IdeaExternalRef(InputModel):
    system: ExternalSystem
    ref: Annotated[str, text(100, min_length=1)]


class IdeaExternalRefRead(ReadModel):
    system: ExternalSystem
    ref: str


def _distinct_refs(refs: list[IdeaExternalRef]) -> list[IdeaExternalRef]:
    keys = [(ref.system, ref.ref.casefold()) for ref in refs]
    if len(set(keys)) != len(keys):
        raise ValueError("an external ref is given twice")
    return refs


IdeaExternalRefs = Annotated[
    list[IdeaExternalRef],
    Field(max_length=10, description="The idea's ids in other tools (an Improve Well idea)."),
    AfterValidator(_distinct_refs),
]


class ChangeIdeaCreate(InputModel):
    title: Name
    description: LongText | None = None
    origin: IdeaOrigin = IdeaOrigin.TEAM
    driver_id: uuid.UUID | None = Field(
        default=None, description="A secondary driver of the team's driver diagram."
    )
    status: IdeaStatus = IdeaStatus.PROPOSED
    shared: bool = Field(
        default=False, description="Offered to the collaborative's change package."
    )
    needs_funding: bool = False
    theme: ShortText | None = Field(default=None, examples=["Flexible working"])
    external_refs: IdeaExternalRefs = Field(default_factory=list)


class ChangeIdeaUpdate(InputModel):
    title: Name = patch_field()
    description: LongText | None = patch_field()
    origin: IdeaOrigin = patch_field()
    driver_id: uuid.UUID | None = patch_field()
    status: IdeaStatus = patch_field(
        description="Set by hand; a cycle finished later sets it again (the latest event wins)."
    )
    shared: bool = patch_field()
    needs_funding: bool = patch_field()
    theme: ShortText | None = patch_field()
    external_refs: IdeaExternalRefs = patch_field()


class ChangeIdeaRead(ResourceRead):
    team_id: uuid.UUID
    title: str
    description: str | None
    origin: IdeaOrigin
    driver_id: uuid.UUID | None
    status: IdeaStatus
    shared: bool
    needs_funding: bool
    theme: str | None
    external_refs: list[IdeaExternalRefRead]


class SecondaryDriverIn(InputModel):
    id: uuid.UUID | None = Field(default=None, description="Sent back to keep the node.")
    title: Title


class PrimaryDriverIn(InputModel):
    id: uuid.UUID | None = None
    title: Title
    secondary_drivers: Annotated[list[SecondaryDriverIn], Field(max_length=30)] = Field(
        default_factory=list
    )


class DriverDiagramWrite(InputModel):
    aim: LongText | None = None
    primary_drivers: Annotated[list[PrimaryDriverIn], Field(max_length=30)] = Field(
        default_factory=list
    )


class SecondaryDriverRead(ReadModel):
    id: uuid.UUID
    title: str
    change_idea_ids: list[uuid.UUID] = Field(description="The team's ideas on this driver.")


class PrimaryDriverRead(ReadModel):
    id: uuid.UUID
    title: str
    secondary_drivers: list[SecondaryDriverRead]


class DriverDiagramRead(ReadModel):
    team_id: uuid.UUID
    aim: str | None
    primary_drivers: list[PrimaryDriverRead]
