"""HTTP response helpers shared by routers: ETag and Location headers, list pages."""

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Response
from pydantic import BaseModel

from app.concurrency import Versioned, etag
from app.schemas import Page

ReadT = TypeVar("ReadT", bound=BaseModel)


def with_etag(response: Response, resource: Versioned | str) -> None:
    """The resource's ETag, or `resource` itself when it is one already (a list's)."""
    response.headers["ETag"] = resource if isinstance(resource, str) else etag(resource)


def created(response: Response, location: str, resource: Versioned) -> None:
    response.headers["Location"] = location
    with_etag(response, resource)


def page_of(
    read_model: type[ReadT], items: Sequence[object], next_cursor: str | None
) -> Page[ReadT]:
    return Page[read_model].model_validate(  # type: ignore[valid-type]
        {"items": items, "next_cursor": next_cursor}, from_attributes=True
    )
