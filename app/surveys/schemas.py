"""Request and response bodies for survey definitions (ingest spec 5.1 and 9).

The schemas parse shapes and lengths only; whether a definition holds together (favourable
options that exist, scores of known questions, no cycles) is `definitions.validate_survey`,
which the service applies on create and on the merged state of a PATCH."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.schemas import InputModel, Name, Number, WholeNumber, patch_field, text
from app.surveys.definitions import Frequency

# Bounds that keep a definition, and the recursion of its score chains, small.
MAX_QUESTIONS = 200
MAX_OPTIONS = 20
MAX_SCORES = 100

SurveyCode = Annotated[
    str,
    StringConstraints(max_length=50, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
    Field(examples=["pulse"], description="Lower-case letters, digits, `-` and `_`."),
]
Code = Annotated[str, text(64, min_length=1)]
Flag = Annotated[bool, Field(strict=True)]


class OptionIn(InputModel):
    code: Code
    label: Annotated[str, text(500, min_length=1)]
    score: Number | None = Field(description="0 to 10, or null where the question is unscored.")
    counts: Flag = True


class QuestionIn(InputModel):
    code: Code
    text: Annotated[str, text(1000, min_length=1)]
    scale: Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)]
    favourable: Annotated[list[Code], Field(max_length=MAX_OPTIONS)]
    reverse: Flag = False


class ScoreIn(InputModel):
    code: Code
    name: Name
    of: Annotated[list[Code], Field(max_length=MAX_QUESTIONS)]
    min_answered: WholeNumber | None = None


Questions = Annotated[list[QuestionIn], Field(max_length=MAX_QUESTIONS)]
Scores = Annotated[list[ScoreIn], Field(max_length=MAX_SCORES)]


class SurveyCreate(InputModel):
    code: SurveyCode
    name: Name
    frequency: Frequency
    questions: Questions
    scores: Scores = []


class SurveyUpdate(InputModel):
    """`questions` and `scores`, when sent, replace the whole list."""

    name: Name = patch_field()
    frequency: Frequency = patch_field()
    questions: Questions = patch_field()
    scores: Scores = patch_field()


class OptionRead(BaseModel):
    code: str
    label: str
    score: float | None
    counts: bool


class QuestionRead(BaseModel):
    code: str
    text: str
    reverse: bool
    favourable: list[str]
    scale: list[OptionRead]


class ScoreRead(BaseModel):
    code: str
    name: str
    of: list[str]
    # The appendix shape: a default min_answered is absent, not null.
    min_answered: int | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Left out where the default of spec 5.3 applies.",
    )


class SurveyRead(BaseModel):
    code: str
    name: str
    frequency: Frequency
    questions: list[QuestionRead]
    scores: list[ScoreRead]
    built_in: bool = Field(description="Built-in surveys are read-only.")
    version: int | None = Field(description="Increases on every change; null for a built-in.")
    created_at: datetime | None = Field(description="Null for a built-in.")
    updated_at: datetime | None = Field(description="Null for a built-in.")
