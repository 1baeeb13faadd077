"""Request and response bodies for collaboratives."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from app.characteristics import LeadCharacteristic
from app.collaboratives.models import CollaborativeStatus
from app.schemas import (
    InputModel,
    JsonDate,
    LongText,
    Name,
    ResourceRead,
    ShortText,
    WholeNumber,
    patch_field,
)

TeamLimit = Annotated[WholeNumber, Field(ge=1, le=50)]
UnderRepresented = Annotated[
    list[LeadCharacteristic],
    Field(
        max_length=8,
        description="The protected characteristics whose under-represented groups the lead"
        " rule counts; a team shows admins and its lead only whether the lead is in one"
        " (`lead_criterion_met`).",
    ),
    AfterValidator(lambda names: list(dict.fromkeys(names))),
]


class CollaborativeCreate(InputModel):
    name: Name
    starts_on: JsonDate
    ends_on: JsonDate
    aim: LongText | None = None
    region: ShortText | None = None
    max_teams: TeamLimit = 6
    max_team_size: TeamLimit = 5
    status: CollaborativeStatus = CollaborativeStatus.PLANNING
    under_represented: UnderRepresented = Field(default_factory=list)


class CollaborativeUpdate(InputModel):
    name: Name = patch_field()
    starts_on: JsonDate = patch_field()
    ends_on: JsonDate = patch_field()
    aim: LongText | None = patch_field()
    region: ShortText | None = patch_field()
    max_teams: TeamLimit = patch_field()
    max_team_size: TeamLimit = patch_field()
    status: CollaborativeStatus = patch_field(
        description="Refused (409 `team-statuses`) while any of its teams has a status the new"
        " one does not allow: no `active` or `completed` team while `planning` or `recruiting`,"
        " and only `completed`, `withdrawn` or `declined` teams once `completed`."
    )
    under_represented: UnderRepresented = patch_field()


class CollaborativeRead(ResourceRead):
    name: str
    aim: str | None
    region: str | None
    starts_on: date
    ends_on: date
    max_teams: int
    max_team_size: int
    status: CollaborativeStatus
    under_represented: list[LeadCharacteristic]
    timezone: str = Field(
        default="Europe/London", description="The zone the collaborative's timeline runs in."
    )
