"""Request and response bodies for teams."""

import uuid
from typing import Annotated

from pydantic import MISSING, Field

from app.collaboratives.statuses import TeamStatus, describe
from app.schemas import InputModel, LongText, Name, ResourceRead, ShortText, patch_field

OrganisationIds = Annotated[
    list[uuid.UUID],
    Field(min_length=1, max_length=10, description="The NHS organisations the team comes from."),
]


class TeamCreate(InputModel):
    collaborative_id: uuid.UUID
    name: Name
    organisation_ids: OrganisationIds
    aim: LongText | None = None
    service_area: ShortText | None = None
    status: TeamStatus = Field(
        default=TeamStatus.APPLIED,
        description="New teams apply; selecting one needs a lead, so do it with PATCH later."
        " A completed collaborative takes no new teams (409 `collaborative-status`).",
    )
    coach_id: uuid.UUID | None = Field(default=None, description="The member who coaches the team.")


class TeamUpdate(InputModel):
    name: Name = patch_field()
    organisation_ids: OrganisationIds = patch_field()
    aim: LongText | None = patch_field()
    service_area: ShortText | None = patch_field()
    status: TeamStatus = patch_field(description=describe())
    coach_id: uuid.UUID | None = patch_field()


class TeamRead(ResourceRead):
    collaborative_id: uuid.UUID
    name: str
    organisation_ids: list[uuid.UUID]
    aim: str | None
    service_area: str | None
    status: TeamStatus
    coach_id: uuid.UUID | None
    # MISSING leaves the key out of the JSON: even null would tell a teammate something
    # about the lead's answers.
    lead_criterion_met: bool | MISSING | None = Field(
        default=MISSING,
        description="Shown only to admins and to the team's current lead; absent for everyone"
        " else, since it says something about a named person. Whether that lead is in a group"
        " the collaborative names as under-represented (`under_represented`); null when"
        " unknown: no lead, no profile, no answer, or no characteristic named.",
    )
