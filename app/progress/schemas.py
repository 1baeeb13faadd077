"""Request and response bodies for progress scores and the scale."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from app.progress.models import Assessor
from app.progress.scale import SCORES
from app.schemas import InputModel, JsonDate, LongText, Number, ReadModel, ResourceRead


def _on_the_scale(score: float) -> float:
    if score not in SCORES:
        raise ValueError(f"must be a level of the scale: {', '.join(map(str, SCORES))}")
    return score


ScaleScore = Annotated[
    Number,
    Field(json_schema_extra={"enum": list(SCORES)}, examples=[2.5]),
    AfterValidator(_on_the_scale),
]


class ProgressScoreCreate(InputModel):
    score: ScaleScore = Field(description="A level of GET /progress-scale, 0.5 to 5.0.")
    assessor: Assessor = Field(
        description="`team`: the team's self-assessment (its members, or an admin); `coach`:"
        " the faculty's (the team's coach, or an admin)."
    )
    meeting_id: uuid.UUID | None = Field(
        default=None,
        description="The learning session it was made for (one of the team's collaborative):"
        " one score per team, assessor and meeting, so a repeat replaces it (200).",
    )
    assessed_on: JsonDate | None = Field(
        default=None, description="Defaults to the meeting's day, or today without one."
    )
    rationale: LongText | None = None


class ProgressScoreRead(ResourceRead):
    team_id: uuid.UUID
    score: float
    label: str
    assessor: Assessor
    assessed_on: date
    meeting_id: uuid.UUID | None
    rationale: str | None


class ScaleLevelRead(ReadModel):
    score: float
    label: str
    definition: str


class LatestScores(ReadModel):
    team: ProgressScoreRead | None
    coach: ProgressScoreRead | None


class TeamProgressRead(ReadModel):
    team_id: uuid.UUID
    team_name: str
    latest: LatestScores
    history: list[ProgressScoreRead] = Field(description="Every score, oldest first.")


class CollaborativeProgressRead(ReadModel):
    collaborative_id: uuid.UUID
    teams: list[TeamProgressRead] = Field(
        description="The selected, active and completed teams the caller reaches, by name."
    )
