"""Keyset pagination with opaque cursors: stable under inserts, no OFFSET scans."""

import base64
import binascii
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


def encode_cursor(sort_value: date | datetime, ident: uuid.UUID) -> str:
    if isinstance(sort_value, datetime):
        sort_value = sort_value.astimezone(UTC)
    raw = json.dumps([sort_value.isoformat(), ident.hex]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort_type: type[Any]) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor names; BadRequest for anything this service did not issue.

    A cursor is the client's text, so it is read as strictly as it is written: a datetime
    must be UTC as we write it, a date a plain date, the id a UUID."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_text, ident_hex = json.loads(raw)
        sort_value = _sort_value(sort_text, sort_type)
        return sort_value, uuid.UUID(hex=ident_hex)
    except (binascii.Error, ValueError, TypeError, AttributeError, OverflowError):
        raise BadRequest(
            "The cursor is not one this service issued; start again without it."
        ) from None


def _sort_value(text: object, sort_type: type[Any]) -> date | datetime:
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
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of `statement` ordered by (sort_key, id), or the reverse when `descending`,
    and the cursor of the next page."""
    if cursor is not None:
        sort_value, ident = decode_cursor(cursor, sort_key.type.python_type)
        if descending:
            after = or_(sort_key < sort_value, and_(sort_key == sort_value, id_key < ident))
        else:
            after = or_(sort_key > sort_value, and_(sort_key == sort_value, id_key > ident))
        statement = statement.where(after)
    order = (sort_key.desc(), id_key.desc()) if descending else (sort_key, id_key)
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    next_cursor = encode_cursor(getattr(last, sort_key.key), getattr(last, id_key.key))
    return rows[:limit], next_cursor
