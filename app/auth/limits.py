"""Sign-in limits that a burst cannot pass and that nobody can use to lock others out.

- Per account (or client id): at most `per_subject` attempts that are not known to have
  succeeded within the window. The attempt is admitted, or refused with 429, in one short
  transaction that holds a lock on the account name (PostgreSQL: a transaction advisory lock;
  SQLite: its write lock), and an admitted attempt is stored as `pending` before the password
  is checked, so parallel attempts count each other and at most `per_subject` are checked.
- Per client address: once `per_address` attempts from one address have failed within the
  window, further *failed* attempts from it answer 429 instead of 401. A correct password is
  never refused by the address limit, so colleagues behind one proxy or NAT cannot be locked
  out by whoever else shares their address; each account still allows only its own limit.
- Retry-After is the number of seconds until the next attempt would be admitted.
"""

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import SignInAttempt
from app.db import fit, independent_transaction, utc_now
from app.errors import TooManyRequests

PENDING, FAILURE, SUCCESS = "pending", "failure", "success"
# Attempts that count against a limit: failed, or not yet known to have succeeded.
COUNTED = (PENDING, FAILURE)


@dataclass(frozen=True)
class SignInLimits:
    window: timedelta
    per_subject: int
    per_address: int


@dataclass(frozen=True)
class Attempt:
    """An admitted attempt; `address_wait` is set when its address is over its limit."""

    id: uuid.UUID
    address_wait: int | None


def _name_lock(session: Session, grant: str, subject: str) -> None:
    """Serialise admissions for one account name until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{grant}:{subject}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    # SQLite: a writing transaction holds the database's write lock from its start.


def _wait_seconds(
    session: Session, where: ColumnElement[bool], limit: int, window: timedelta, now: datetime
) -> int | None:
    """Seconds until fewer than `limit` counted attempts match `where`; None if already so."""
    newest_first = (
        select(SignInAttempt.attempted_at)
        .where(where, SignInAttempt.outcome.in_(COUNTED))
        .where(SignInAttempt.attempted_at > now - window)
        .order_by(SignInAttempt.attempted_at.desc())
    )
    # The limit-th newest must age out before one more is allowed.
    oldest_that_matters = session.scalar(newest_first.offset(limit - 1).limit(1))
    if oldest_that_matters is None:
        return None
    return max(1, math.ceil((oldest_that_matters + window - now).total_seconds()))


def admit(
    factory: sessionmaker[Session],
    limits: SignInLimits,
    *,
    grant: str,
    subject: str,
    address: str | None,
) -> Attempt:
    """Record the attempt as pending and return it, or raise TooManyRequests (recording
    nothing) when the account has used its attempts in the window."""
    columns = SignInAttempt.__table__.c
    subject = fit(subject, columns.subject) or ""
    address = fit(address, columns.address)
    now = utc_now()
    with independent_transaction(factory) as session:
        _name_lock(session, grant, subject)
        by_subject = (SignInAttempt.grant == grant) & (SignInAttempt.subject == subject)
        wait = _wait_seconds(session, by_subject, limits.per_subject, limits.window, now)
        if wait is not None:
            raise TooManyRequests(
                "Too many sign-in attempts for this account; wait before trying again.",
                retry_after_seconds=wait,
            )
        # Old attempts are of no further use; clearing them here keeps the table small.
        session.execute(
            delete(SignInAttempt).where(SignInAttempt.attempted_at <= now - limits.window)
        )
        attempt = SignInAttempt(
            grant=grant, subject=subject, address=address, attempted_at=now, outcome=PENDING
        )
        session.add(attempt)
        session.flush()
        address_wait = None
        if address is not None:
            by_address = (SignInAttempt.grant == grant) & (SignInAttempt.address == address)
            by_address &= SignInAttempt.id != attempt.id
            address_wait = _wait_seconds(
                session, by_address, limits.per_address, limits.window, now
            )
        return Attempt(attempt.id, address_wait)


def settle(factory: sessionmaker[Session], attempt: Attempt, *, succeeded: bool) -> None:
    """Record how the attempt ended; one that never settles keeps counting as a failure."""
    with independent_transaction(factory) as session:
        settle_in(session, attempt, succeeded=succeeded)


def settle_in(session: Session, attempt: Attempt, *, succeeded: bool) -> None:
    """settle(), inside a transaction the caller commits (with the tokens it issues)."""
    session.execute(
        update(SignInAttempt)
        .where(SignInAttempt.id == attempt.id)
        .values(outcome=SUCCESS if succeeded else FAILURE)
    )
