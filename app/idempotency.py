"""Stored Idempotency-Key claims and the responses they replay (the HTTP flow is app.http)."""

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, String, Text, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from app.db import Base, enum_column, independent_transaction, utc_now

# Published in the README and the OpenAPI description: a key may be reused after this.
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# A claim still running after this was left by a process that died mid-request (a live one
# releases or completes it): the key is free again rather than 409 for a day.
ABANDONED_AFTER = timedelta(minutes=15)


class KeyState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"


class IdempotencyKey(Base):
    """One caller's key: claimed as `running` before the work, then the response it got."""

    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[KeyState] = mapped_column(enum_column(KeyState, 16))
    status: Mapped[int | None]
    headers: Mapped[str | None] = mapped_column(Text)  # a JSON object
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Existing:
    """The key was taken already: by a request with this `fingerprint`, answered by
    `response` (None while that request still runs)."""

    fingerprint: str
    response: StoredResponse | None


def claim(
    factory: sessionmaker[Session],
    *,
    caller: str,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
) -> Existing | None:
    """Takes `key` for `caller` as running, in a transaction of its own so that a parallel
    request with the same key sees it at once; None when taken, else what holds it. The
    primary key decides between parallel claims, on both databases."""
    now = utc_now()
    row = IdempotencyKey(
        caller=caller,
        key=key,
        method=method,
        path=path,
        fingerprint=fingerprint,
        state=KeyState.RUNNING,
        expires_at=now + KEY_LIFETIME,
    )
    for _ in range(3):
        try:
            with independent_transaction(factory) as session:
                # An expired key counts as never used; pruning here needs no background job.
                session.execute(
                    delete(IdempotencyKey).where(
                        or_(
                            IdempotencyKey.expires_at <= now,
                            and_(
                                IdempotencyKey.state == KeyState.RUNNING,
                                IdempotencyKey.created_at <= now - ABANDONED_AFTER,
                            ),
                        )
                    )
                )
                session.add(row)
            return None
        except IntegrityError:
            existing = _existing(factory, caller, key)
            if existing is not None:
                return existing
            # Released between our insert and our read: claim again.
            row = _copy(row)
    raise RuntimeError("an idempotency key was claimed and released three times in a row")


def _copy(row: IdempotencyKey) -> IdempotencyKey:
    return IdempotencyKey(
        caller=row.caller,
        key=row.key,
        method=row.method,
        path=row.path,
        fingerprint=row.fingerprint,
        state=row.state,
        expires_at=row.expires_at,
    )


def _existing(factory: sessionmaker[Session], caller: str, key: str) -> Existing | None:
    with independent_transaction(factory, writes=False) as session:
        row = session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
        )
        if row is None:
            return None
        if row.state is KeyState.RUNNING or row.status is None:
            return Existing(row.fingerprint, None)
        headers = json.loads(row.headers or "{}")
        return Existing(row.fingerprint, StoredResponse(row.status, headers, row.body or b""))


def complete(
    factory: sessionmaker[Session], *, caller: str, key: str, response: StoredResponse
) -> None:
    """Stores the response the claimed key got, for every repeat to replay."""
    with independent_transaction(factory) as session:
        row = session.get(IdempotencyKey, (caller, key))
        if row is None:  # expired and pruned while it ran: nothing left to answer repeats
            return
        row.state = KeyState.DONE
        row.status = response.status
        row.headers = json.dumps(response.headers)
        row.body = response.body


def release(factory: sessionmaker[Session], *, caller: str, key: str) -> None:
    """Forgets the claim, so that a retry runs the request again."""
    with independent_transaction(factory) as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.caller == caller,
                IdempotencyKey.key == key,
                IdempotencyKey.state == KeyState.RUNNING,
            )
        )
