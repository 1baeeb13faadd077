"""HTTP response helpers shared by routers: ETag and Location headers, list pages."""

from collections.abc import Sequence
from typing import TypeVar

from fastapi import Response
from pydantic import BaseModel

from app.http.concurrency import Versioned, etag
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


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range of an Accept header (RFC 9110 12.5.1); a range
    whose q cannot be read counts as q=0 rather than failing the request."""
    ranges = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        kind, _, sub = media.lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q))
    return ranges


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the Accept header rates highest (the first offered on a tie; the
    first when there is no header), or None when it accepts none of them: a 406."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _media_ranges(accept)
    best: tuple[float, str] | None = None
    for media_type in offered:
        kind, _, sub = media_type.partition("/")
        # The most specific matching range decides this type's quality.
        matches = [
            (specificity, q)
            for range_kind, range_sub, q in ranges
            if (specificity := _specificity(range_kind, range_sub, kind, sub)) >= 0
        ]
        if not matches:
            continue
        q = max(matches)[1]
        if q > 0 and (best is None or q > best[0]):
            best = (q, media_type)
    return None if best is None else best[1]


def _specificity(range_kind: str, range_sub: str, kind: str, sub: str) -> int:
    """2 for type/subtype, 1 for type/*, 0 for */*, -1 when the range does not match."""
    if (range_kind, range_sub) == (kind, sub):
        return 2
    if range_kind == kind and range_sub == "*":
        return 1
    if (range_kind, range_sub) == ("*", "*"):
        return 0
    return -1
