"""Request and response bodies for a series' rebase dates."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field

from app.schemas import InputModel, JsonDate, ResourceRead, text

MAX_REBASES = 50


class RebaseIn(InputModel):
    starts_on: JsonDate = Field(
        description="The period_start of the first data point of the new period."
    )
    reason: Annotated[str, text(1000, strip=False)] | None = Field(
        default=None, description="The change that was embedded, e.g. 'self-rostering adopted'."
    )


class RebaseList(InputModel):
    rebases: list[RebaseIn] = Field(max_length=MAX_REBASES)


class RebaseRead(ResourceRead):
    team_id: uuid.UUID
    measure_id: uuid.UUID
    starts_on: date
    reason: str | None
