"""Keyset pagination with opaque cursors: stable under inserts, no OFFSET scans."""

import base64
import binascii
import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


Filters = Mapping[str, object]


def filters_digest(filters: Filters) -> str:
    """A short digest of the filters a list was asked for; a filter left out (None) is absent."""
    given = {name: str(value) for name, value in filters.items() if value is not None}
    text = json.dumps(given, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(
    sort_value: date | datetime | float, ident: uuid.UUID, list_name: str, filters: Filters
) -> str:
    if isinstance(sort_value, datetime):
        sort_value = sort_value.astimezone(UTC)
    written = sort_value if isinstance(sort_value, float) else sort_value.isoformat()
    raw = json.dumps([written, ident.hex, list_name, filters_digest(filters)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str, sort_type: type[Any], list_name: str, filters: Filters
) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor names; BadRequest for anything this service did not issue,
    and for a cursor issued for another list or other filters (it would skip or repeat items).

    A cursor is the client's text, so it is read as strictly as it is written: a datetime
    must be UTC as we write it, a date a plain date, the id a UUID."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_text, ident_hex, issued_for, digest = json.loads(raw)
        sort_value = _sort_value(sort_text, sort_type)
        ident = uuid.UUID(hex=ident_hex)
    except (binascii.Error, ValueError, TypeError, AttributeError, OverflowError):
        raise BadRequest(
            "The cursor is not one this service issued; start again without it."
        ) from None
    if (issued_for, digest) != (list_name, filters_digest(filters)):
        raise BadRequest(
            "This cursor belongs to another list or other filters; start again without it."
        )
    return sort_value, ident


def _sort_value(text: object, sort_type: type[Any]) -> date | datetime | float:
    if sort_type is float:
        # A score: a finite JSON number, as written (json reads NaN and Infinity too).
        if isinstance(text, bool) or not isinstance(text, int | float):
            raise TypeError("not a number")
        if not math.isfinite(text):
            raise ValueError("not finite")
        return float(text)
    if not isinstance(text, str):
        raise TypeError("not text")
    if sort_type is datetime:
        value = datetime.fromisoformat(text)
        if value.utcoffset() != timedelta(0):  # naive, or not as issued (always UTC)
            raise ValueError("not a UTC instant")
        return value
    if sort_type is date and len(text) == len("YYYY-MM-DD"):
        return date.fromisoformat(text)
    raise ValueError("not a sort value of this list")


def paginate(
    session: Session,
    statement: Select[T],
    *,
    sort_key: InstrumentedAttribute[Any],
    id_key: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
    list_name: str,
    filters: Filters,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of `statement` ordered by (sort_key, id), or the reverse when `descending`,
    and the cursor of the next page, good only for `list_name` with the same `filters` (every
    query and path parameter that narrows or orders the list; `descending` is added here)."""
    filters = {**filters, "descending": descending or None}
    if cursor is not None:
        sort_value, ident = decode_cursor(cursor, sort_key.type.python_type, list_name, filters)
        if descending:
            after = or_(sort_key < sort_value, and_(sort_key == sort_value, id_key < ident))
        else:
            after = or_(sort_key > sort_value, and_(sort_key == sort_value, id_key > ident))
        statement = statement.where(after)
    order = (sort_key.desc(), id_key.desc()) if descending else (sort_key, id_key)
    # unique(): a page may join a collection eagerly (one row per item and related row).
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    next_cursor = encode_cursor(
        getattr(last, sort_key.key), getattr(last, id_key.key), list_name, filters
    )
    return rows[:limit], next_cursor
