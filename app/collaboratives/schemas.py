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
    Number,
    ReadModel,
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

CriterionCode = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$", examples=["aim"])
]


class SelectionCriterion(InputModel):
    code: CriterionCode = Field(description="What a review's `scores` name it by.")
    name: Name = Field(examples=["Clarity of aim"])
    weight: Annotated[Number, Field(gt=0, le=1000)] = Field(
        description="Any positive number; the weights are normalised when scores are combined."
    )


class SelectionCriterionRead(ReadModel):
    code: str
    name: str
    weight: float


def _distinct_codes(criteria: list[SelectionCriterion]) -> list[SelectionCriterion]:
    codes = [criterion.code for criterion in criteria]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValueError(f"criterion codes repeat: {', '.join(repeated)}")
    return criteria


SelectionCriteria = Annotated[
    list[SelectionCriterion],
    Field(
        max_length=20,
        description="What the panel scores each application on, 1 to 5 (workflow spec 1);"
        " codes are distinct. Changing them rescores every application.",
    ),
    AfterValidator(_distinct_codes),
]
ClosingDay = Annotated[
    JsonDate | None,
    Field(
        description="The last day an application is taken (inclusive, Europe/London); after"
        " it a new application is 409 and the panel may select."
    ),
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
    applications_close_on: ClosingDay = None
    selection_criteria: SelectionCriteria = Field(default_factory=list)


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
    applications_close_on: ClosingDay = patch_field()
    selection_criteria: SelectionCriteria = patch_field()


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
    applications_close_on: date | None
    selection_criteria: list[SelectionCriterionRead]
    selected_on: date | None = Field(
        description="The day the panel's selection was made (POST .../selection); null before."
    )
    timezone: str = Field(
        default="Europe/London", description="The zone the collaborative's timeline runs in."
    )
