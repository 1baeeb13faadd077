"""Request and response bodies for a team's data points."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field

from app.schemas import InputModel, JsonDate, Number, ReadModel, ResourceRead, text

MAX_POINTS_PER_BATCH = 5000


class DataPointIn(InputModel):
    period_start: JsonDate = Field(description="First day of the week, month or quarter measured.")
    value: Number | None = Field(default=None, description="For xmr, run and c measures.")
    numerator: Number | None = Field(default=None, description="For p and u measures.")
    denominator: Number | None = Field(default=None, description="For p and u measures; > 0.")
    note: Annotated[str, text(1000, strip=False)] | None = Field(
        default=None,
        description="What happened then, e.g. a change that was tested. Left out, a stored"
        " point keeps its note; null clears it.",
    )
    source: Annotated[str, text(100)] | None = Field(
        default=None,
        description="Where the number came from, e.g. 'staff pulse survey'. Left out, a"
        " stored point keeps its source; null clears it.",
    )


class ImportedPointIn(DataPointIn):
    """A point the service writes from an import's stored aggregates, never a request body
    (clients cannot send `suppressed`): a suppressed one carries no value, numerator or
    denominator (ingest spec 5.4)."""

    suppressed: bool = False


class DataPointBatch(InputModel):
    points: list[DataPointIn] = Field(min_length=1, max_length=MAX_POINTS_PER_BATCH)


class DataPointDeletion(InputModel):
    period_starts: list[JsonDate] = Field(
        min_length=1,
        max_length=MAX_POINTS_PER_BATCH,
        description="The period_start of every point to delete.",
    )


class DataPointRead(ResourceRead):
    team_id: uuid.UUID
    measure_id: uuid.UUID
    period_start: date
    value: float | None
    numerator: float | None
    denominator: float | None
    note: str | None
    source: str | None
    suppressed: bool = Field(
        description="Too few respondents or staff to show (ingest spec 5.4): value, numerator"
        " and denominator are null and the chart shows a gap. Set only by imports."
    )


class DataPointBatchResult(ReadModel):
    created: int = Field(description="Points for periods that had none.")
    updated: int = Field(description="Stored points changed (only with `?overwrite=true`).")
    unchanged: int = Field(description="Points sent again exactly as stored: nothing written.")
    items: list[DataPointRead] = Field(description="The batch's points as stored, by period_start.")


class DataPointDeletionResult(ReadModel):
    deleted: int
    period_starts: list[date] = Field(description="The periods deleted, in order.")
