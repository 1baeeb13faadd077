"""Request and response bodies for teams."""

import uuid
from typing import Annotated

from pydantic import MISSING, Field

from app.collaboratives.statuses import TeamStatus, describe
from app.organisations.schemas import OdsCode
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

OrganisationIds = Annotated[
    list[uuid.UUID],
    Field(min_length=1, max_length=10, description="The NHS organisations the team comes from."),
]

REF_MAX_LENGTH = 100


class ExternalRef(InputModel):
    ods_code: OdsCode | None = Field(
        default=None,
        description="The organisation whose systems use `ref` (a known ODS code, any case);"
        " give this or `system`, not both.",
    )
    system: ExternalSystem | None = Field(
        default=None, description="The QI tool whose id `ref` is; give this or `ods_code`."
    )
    ref: Annotated[str, text(REF_MAX_LENGTH, min_length=1)] = Field(
        examples=["ED-NURSING-NGH"],
        description="The identifier there (an ESR unit, a cost centre, a survey tool's team"
        " name, a Life QI project id), trimmed; matched case-insensitively.",
    )


ExternalRefs = Annotated[
    list[ExternalRef],
    Field(
        max_length=50,
        description="What other systems call the team: extract rows name a team by"
        " `(ods_code, ref)`. The whole list is replaced when sent. A pair belongs to at most"
        " one team of a collaborative (409 `duplicate-external-ref`).",
    ),
]


class ExternalRefRead(ReadModel):
    ods_code: str | None
    system: ExternalSystem | None
    ref: str


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
    external_refs: ExternalRefs = Field(default_factory=list)


class TeamUpdate(InputModel):
    name: Name = patch_field()
    organisation_ids: OrganisationIds = patch_field()
    aim: LongText | None = patch_field()
    service_area: ShortText | None = patch_field()
    status: TeamStatus = patch_field(description=describe())
    coach_id: uuid.UUID | None = patch_field()
    external_refs: ExternalRefs = patch_field()


class TeamRead(ResourceRead):
    collaborative_id: uuid.UUID
    name: str
    organisation_ids: list[uuid.UUID]
    aim: str | None
    service_area: str | None
    status: TeamStatus
    coach_id: uuid.UUID | None
    external_refs: list[ExternalRefRead]
    # MISSING leaves the key out of the JSON: even null would tell a teammate something
    # about the lead's answers.
    lead_criterion_met: bool | MISSING | None = Field(
        default=MISSING,
        description="Shown only to admins and to the team's current lead; absent for everyone"
        " else, since it says something about a named person. Whether that lead is in a group"
        " the collaborative names as under-represented (`under_represented`); null when"
        " unknown: no lead, no profile, no answer, or no characteristic named.",
    )
