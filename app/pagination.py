"""Keyset pagination with opaque cursors: stable under inserts, no OFFSET scans."""

import base64
import binascii
import json
import uuid
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


def encode_cursor(sort_value: date | datetime, ident: uuid.UUID) -> str:
    raw = json.dumps([sort_value.isoformat(), ident.hex]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort_type: type[Any]) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor names; BadRequest for anything this service did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_text, ident_hex = json.loads(raw)
        sort_value = sort_type.fromisoformat(sort_text)
        return sort_value, uuid.UUID(hex=ident_hex)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise BadRequest(
            "The cursor is not one this service issued; start again without it."
        ) from None


def paginate(
    session: Session,
    statement: Select[T],
    *,
    sort_key: InstrumentedAttribute[Any],
    id_key: InstrumentedAttribute[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One page of `statement` ordered by (sort_key, id), and the cursor of the next page."""
    if cursor is not None:
        sort_value, ident = decode_cursor(cursor, sort_key.type.python_type)
        statement = statement.where(
            or_(sort_key > sort_value, and_(sort_key == sort_value, id_key > ident))
        )
    rows = list(session.scalars(statement.order_by(sort_key, id_key).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    next_cursor = encode_cursor(getattr(last, sort_key.key), getattr(last, id_key.key))
    return rows[:limit], next_cursor
