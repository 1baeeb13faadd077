"""Shared Pydantic building blocks: strict input models, read models, bounded string types."""

import re
import uuid
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Annotated, Any, Generic, TypeVar, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from app.spc.validation import MAX_MAGNITUDE  # finite and never large enough to overflow

# No NUL characters: PostgreSQL cannot store them, and no honest text contains them.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 0, strip: bool = True) -> StringConstraints:
    """Bounded text without NUL characters."""
    return StringConstraints(
        strip_whitespace=strip, min_length=min_length, max_length=max_length, pattern=NO_NUL
    )


Name = Annotated[str, text(200, min_length=1)]
ShortText = Annotated[str, text(200)]
LongText = Annotated[str, text(4000, strip=False)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https://[^\s\x00]+$")]


def _iso_date_text(value: object) -> object:
    """JSON has no date type: accept only 'YYYY-MM-DD' text, never a number or a timestamp."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("a date must be written YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("a date must be written YYYY-MM-DD")
    return value


def _instant_text(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_INSTANT.match(value)):
        return value
    raise ValueError("an instant must be ISO 8601 text with an offset")


def _date_or_instant_text(value: object) -> object:
    """A plain date stands for midnight UTC at its start; anything else must be an instant."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return datetime.combine(date.fromisoformat(value), time(0), UTC)
    return _instant_text(value)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# The calendar the service accepts anywhere: wide enough for any real record, narrow enough
# that date arithmetic (periods, windows, chart axes) can never overflow. Stored dates have
# narrower windows of their own (a collaborative's dates, a data point's baseline window).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def _whole_number(value: object) -> object:
    """JSON has one number type, and JSON Schema's `integer` is any number with no fraction:
    27.0 (what JavaScript may send for 27) is 27; 27.5, "27" and true stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _within_calendar(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"a date must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def _utc_within_calendar(value: datetime) -> datetime:
    """The instant in UTC (how it is stored), which must fall inside the calendar."""
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant lies outside the calendar in UTC") from None
    _within_calendar(in_utc.date())
    return in_utc


# Pydantic's lax mode would read 0 as 1970-01-01 and "1.5" as a number; a JSON API
# should refuse both, so these types only take what JSON naturally sends.
JsonDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_within_calendar)]
JsonInstant = Annotated[
    AwareDatetime, BeforeValidator(_instant_text), AfterValidator(_utc_within_calendar)
]
# Filters on instants (`since`, `starts_after`): a day is what people usually mean.
DateOrInstant = Annotated[
    AwareDatetime,
    BeforeValidator(_date_or_instant_text),
    AfterValidator(_utc_within_calendar),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": f} for f in ("date", "date-time")]},
        mode="validation",
    ),
]
DATE_OR_INSTANT = (
    "YYYY-MM-DD for midnight UTC at the start of that day, or an ISO 8601 instant with an"
    " offset (`2026-01-01T09:00:00+00:00`); between 1900 and 2999 in UTC."
)
# Strict: "27" and true are refused; InputModel reads 27.0 as 27 first (see there).
WholeNumber = Annotated[int, Field(strict=True)]
Number = Annotated[
    float, Field(strict=True, allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
]

T = TypeVar("T")


class InputModel(BaseModel):
    """A request body: unknown fields are an error, never silently dropped, and an integer
    field takes any JSON number with no fraction (27.0 is 27)."""

    model_config = ConfigDict(extra="forbid")

    # A model validator rather than a BeforeValidator on WholeNumber: with one there, Pydantic
    # writes a field's bounds into the spec as `ge`/`le` instead of `minimum`/`maximum`.
    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        integers = _integer_fields(cls)
        return {
            name: _whole_number(value) if name in integers else value
            for name, value in data.items()
        }


@cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if _is_integer(field.annotation)
    )


def _is_integer(annotation: object) -> bool:
    """Whether a field's type is an integer, optional or constrained (not a bool)."""
    if annotation is int:
        return True
    return any(_is_integer(argument) for argument in get_args(annotation))


class ReadModel(BaseModel):
    """A response body built from an ORM object."""

    model_config = ConfigDict(from_attributes=True)


class ResourceRead(ReadModel):
    id: uuid.UUID
    version: int = Field(description="Increases on every change; the ETag is derived from it.")
    created_at: datetime
    updated_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]

    next_cursor: str | None = Field(
        description="Pass as `?cursor=` to get the next page; null on the last page."
    )


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def patch_field(**kwargs: Any) -> Any:
    """A PATCH field: may be left out, but null is refused unless its type allows null."""
    return Field(default=None, json_schema_extra=_without_default, **kwargs)
