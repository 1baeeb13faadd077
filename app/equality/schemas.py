"""Request and response bodies for equality profiles and equality summaries."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.characteristics import (
    AgeBand,
    Characteristic,
    Disability,
    EthnicCategory,
    GenderIdentity,
    MarriageCivilPartnership,
    PregnancyMaternity,
    ReligionOrBelief,
    Sex,
    SexualOrientation,
)
from app.schemas import InputModel, ReadModel


class EqualityProfileWrite(InputModel):
    """The whole profile, replacing any saved one: a field left out or null is not answered.
    Codes are the NHS Data Dictionary's where it has them; every field also takes
    `prefer_not_to_say`."""

    ethnic_category: EthnicCategory | None = Field(
        default=None, description="ETHNIC CATEGORY: A-H, J-N, P, R, S; Z not stated; 99 not known."
    )
    sex: Sex | None = Field(
        default=None,
        description="PERSON STATED GENDER CODE: 1 male, 2 female, 9 indeterminate, X not known.",
    )
    gender_identity: GenderIdentity | None = Field(
        default=None,
        description="GENDER IDENTITY CODE: 1 male (incl. trans man), 2 female (incl. trans"
        " woman), 3 non-binary, 4 other, Z not stated, X not known.",
    )
    sexual_orientation: SexualOrientation | None = Field(
        default=None,
        description="DCB2094: 1 heterosexual, 2 gay or lesbian, 3 bisexual, 4 other,"
        " U not sure, Z not stated, 9 not known.",
    )
    religion_or_belief: ReligionOrBelief | None = Field(
        default=None,
        description="A Baha'i, B Buddhist, C Christian, D Hindu, E Jain, F Jewish, G Muslim,"
        " H Pagan, I Sikh, J Zoroastrian, K other, L none, M declines, N unknown.",
    )
    disability: Disability | None = Field(
        default=None, description="Y yes, N no, Z not stated, 9 not known."
    )
    age_band: AgeBand | None = None
    marriage_civil_partnership: MarriageCivilPartnership | None = None
    pregnancy_maternity: PregnancyMaternity | None = Field(
        default=None,
        description="`maternity`: on maternity or adoption leave, or within 26 weeks of birth.",
    )


def _left_out_is_unchanged(schema: dict[str, Any]) -> None:
    # A field left out of a PATCH keeps its answer; it has no default to advertise.
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class EqualityProfilePatch(EqualityProfileWrite):
    """Only the fields sent change (JSON merge semantics): null clears that answer, a field
    left out keeps its own. The same codes as a whole profile."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_left_out_is_unchanged)


class EqualityProfileRead(ReadModel):
    member_id: uuid.UUID
    ethnic_category: EthnicCategory | None
    sex: Sex | None
    gender_identity: GenderIdentity | None
    sexual_orientation: SexualOrientation | None
    religion_or_belief: ReligionOrBelief | None
    disability: Disability | None
    age_band: AgeBand | None
    marriage_civil_partnership: MarriageCivilPartnership | None
    pregnancy_maternity: PregnancyMaternity | None
    version: int = Field(description="Increases on every change; the ETag is derived from it.")
    updated_at: datetime


class SummaryCell(BaseModel):
    category: str = Field(
        description="A code of the characteristic, `prefer_not_to_say`, or `not_declared`"
        " (no profile, or the field not answered)."
    )
    count: int | None = Field(description="People, rounded to the nearest 5; null if suppressed.")
    suppressed: bool


class CountCell(BaseModel):
    count: int | None = Field(description="People, rounded to the nearest 5; null if suppressed.")
    suppressed: bool


class CharacteristicTable(BaseModel):
    characteristic: Characteristic
    cells: list[SummaryCell]


class PopulationSummary(BaseModel):
    total: CountCell = Field(description="Published only where every table publishes it.")
    characteristics: list[CharacteristicTable]


class EqualitySummary(BaseModel):
    collaborative_id: uuid.UUID
    threshold: int = Field(description="Counts of fewer people than this are suppressed.")
    members: PopulationSummary = Field(
        description="Current members of the collaborative's selected, active and completed teams."
    )
    leads: PopulationSummary = Field(description="The current leads of those teams.")
