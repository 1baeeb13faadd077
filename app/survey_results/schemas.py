"""Response bodies for a team's survey results and a collaborative's equality gaps. Every
figure about fewer people than the threshold is null with `suppressed: true`."""

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.survey_results.models import Source

SUPPRESSED = (
    "True when fewer people than the threshold (QI_MIN_RESPONSES, 10 unless configured, never"
    " below 5) are behind it: every figure is then null."
)


class QuestionResultRead(BaseModel):
    """Ingest spec 5.2, for one question."""

    question: str
    respondents: int | None = Field(
        description="Who gave an answer that counts (not blank, don't know or not applicable)."
    )
    favourable: int | None = Field(description="Of them, who gave a favourable answer.")
    percent_favourable: float | None
    mean_score: float | None = Field(description="On 0-10; null for an unscored question.")
    value: float | None = Field(description="The headline figure: `percent_favourable`.")
    suppressed: bool = Field(description=SUPPRESSED)


class ScoreResultRead(BaseModel):
    """Ingest spec 5.3: the team's composite score, the unweighted mean over the respondents
    who have one (not an official NSS figure, which weights respondents)."""

    score: str
    respondents: int | None
    value: float | None = Field(description="On 0-10.")
    suppressed: bool = Field(description=SUPPRESSED)


class SurveyResultsRead(BaseModel):
    """One survey's results for the team in one period."""

    survey: str
    period_start: date = Field(description="The first day of the survey's period.")
    source: Source = Field(
        description="`responses` (respondents' answers) or `counts` (aggregated answers, which"
        " give per-question results only)."
    )
    import_id: uuid.UUID | None = Field(description="The import that last wrote these results.")
    questions: list[QuestionResultRead] = Field(
        description="In the survey's order; a question nobody answered is left out."
    )
    scores: list[ScoreResultRead] = Field(
        description="In the survey's order; a score nobody has is left out."
    )


class GroupRateRead(BaseModel):
    """One group's rate for the question; `respondents` rounded to the nearest 5."""

    group: str
    respondents: int | None
    percent_favourable: float | None
    percent_adverse: float | None = Field(
        description="Reverse questions only: who did not answer favourably."
    )
    value: float | None = Field(description="The rate compared: see `rate`.")
    suppressed: bool = Field(
        description="True when the group has fewer respondents than the threshold, or could be"
        " worked out from the other figures: every figure is then null."
    )


class GapRead(BaseModel):
    """A group against the reference group; null unless both groups show."""

    group: str
    reference: str
    gap_points: float | None = Field(description="group's rate - reference's, in points.")
    relative_likelihood: float | None = Field(
        description="group's rate / reference's (null also when the reference's is 0)."
    )
    suppressed: bool = Field(description="True when either group is suppressed.")


class GapsRowRead(BaseModel):
    groups: list[GroupRateRead]
    gaps: list[GapRead]


class TeamGapsRead(GapsRowRead):
    team_id: uuid.UUID
    team_name: str


class EqualityGapsRead(BaseModel):
    """Ingest spec section 6, for one question, group type and period."""

    collaborative_id: uuid.UUID
    survey: str
    question: str
    group: str = Field(description="The group type, e.g. `ethnicity` or `disability`.")
    period_start: date | None = Field(
        description="The period shown: the one asked for, else the latest with group results"
        " (null when there is none)."
    )
    rate: Literal["percent_favourable", "percent_adverse"] = Field(
        description="The rate compared: `percent_adverse` for a reverse question."
    )
    reference: str | None = Field(
        description="The reference group (`white`, `not_disabled`); null for other group types,"
        " which have no gaps."
    )
    teams: list[TeamGapsRead] = Field(description="The teams with group results, by name.")
    overall: GapsRowRead = Field(description="The collaborative as a whole.")
