"""Request and response bodies for measure definitions."""

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.measures.models import ChartType, Frequency, MeasureKind
from app.schemas import InputModel, LongText, Name, Number, ResourceRead, patch_field, text
from app.spc import Direction
from app.surveys.schemas import Code, SurveyCode
from app.workforce.metrics import WorkforceMetric

MeasureCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
    ),
    Field(examples=["ENJOY_WORK"], description="Short code, unique within its owner."),
]
Unit = Annotated[str, text(40)]


# The bindings of ingest spec 7. Whether the survey, question or score exists and whether the
# measure's chart and frequency fit the source are the service's checks (they span fields).
class SurveyQuestionSource(InputModel):
    """One question's result: favourable of respondents on a p chart, or the percentage
    favourable on an xmr or run chart."""

    type: Literal["survey-question"]
    survey: SurveyCode
    question: Code


class SurveyScoreSource(InputModel):
    """A composite score's team mean, on an xmr or run chart."""

    type: Literal["survey-score"]
    survey: SurveyCode
    score: Code


class WorkforceSource(InputModel):
    """A monthly workforce metric of the team's ESR extract."""

    type: Literal["workforce"]
    metric: WorkforceMetric


DataSource = Annotated[
    SurveyQuestionSource | SurveyScoreSource | WorkforceSource, Field(discriminator="type")
]
DATA_SOURCE = (
    "What imports fill this measure's points from (ingest spec 7); null when the team types"
    " them in. The chart type must fit the source (survey-question: p, xmr or run;"
    " survey-score: xmr or run; workforce leaver_rate: p, xmr or run; sickness_absence_rate"
    " and vacancy_rate: xmr or run; leavers and starters: c or run; stability_index_12m and"
    " leaver_rate_12m: run), and the frequency must be the survey's (weekly, monthly or"
    " quarterly) or, for workforce, monthly."
)


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
    data_source: DataSource | None = Field(default=None, description=DATA_SOURCE)


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
    data_source: DataSource | None = patch_field(
        description=DATA_SOURCE + " Null unbinds the measure; its points stay."
    )


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
    data_source: DataSource | None = Field(description=DATA_SOURCE)
