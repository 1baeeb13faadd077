"""Request and response bodies for measure definitions."""

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from app.measures.models import ChartType, Frequency, MeasureKind
from app.schemas import InputModel, LongText, Name, Number, ResourceRead, patch_field, text
from app.spc import Direction

MeasureCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
    ),
    Field(examples=["ENJOY_WORK"], description="Short code, unique within its owner."),
]
Unit = Annotated[str, text(40)]


class MeasureCreate(InputModel):
    code: MeasureCode
    name: Name
    kind: MeasureKind
    chart: ChartType
    improvement_direction: Direction
    frequency: Frequency
    collaborative_id: uuid.UUID | None = Field(
        default=None, description="Set for a measure shared by every team of a collaborative."
    )
    team_id: uuid.UUID | None = Field(default=None, description="Set for a team's own measure.")
    description: LongText | None = None
    unit: Unit | None = None
    target: Number | None = Field(
        default=None, description="The goal, in the units plotted (after `multiply`)."
    )
    multiply: Annotated[Number, Field(gt=0, le=1_000_000)] = Field(
        default=1.0,
        description="P and U charts: plot numerator / denominator times this (100 for %).",
    )
    numerator_definition: LongText | None = None
    denominator_definition: LongText | None = None


class MeasureUpdate(InputModel):
    code: MeasureCode = patch_field()
    name: Name = patch_field()
    kind: MeasureKind = patch_field()
    chart: ChartType = patch_field()
    improvement_direction: Direction = patch_field()
    frequency: Frequency = patch_field()
    description: LongText | None = patch_field()
    unit: Unit | None = patch_field()
    target: Number | None = patch_field()
    multiply: Annotated[Number, Field(gt=0, le=1_000_000)] = patch_field()
    numerator_definition: LongText | None = patch_field()
    denominator_definition: LongText | None = patch_field()


class MeasureRead(ResourceRead):
    code: str
    name: str
    kind: MeasureKind
    chart: ChartType
    improvement_direction: Direction
    frequency: Frequency
    collaborative_id: uuid.UUID | None
    team_id: uuid.UUID | None
    description: str | None
    unit: str | None
    target: float | None
    multiply: float
    numerator_definition: str | None
    denominator_definition: str | None
