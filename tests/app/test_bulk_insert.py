"""db.bulk_insert: every row in (COPY on PostgreSQL, executemany elsewhere), inside the caller's
transaction, and a broken constraint is the same IntegrityError an ordinary insert raises."""

import uuid
from datetime import date

import pytest
from sqlalchemy import Column, Date, Integer, LargeBinary, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import bulk_insert, violation


def _scratch_table(session: Session) -> Table:
    table = Table(
        f"bulk_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("n", Integer, primary_key=True),
        Column("name", String(20)),
        Column("day", Date),
        Column("digest", LargeBinary(32)),
    )
    table.create(session.connection())
    return table


ROWS = [(n, f"row {n}\t'\\", date(2025, 3, 3), bytes([n % 256]) * 32) for n in range(2_000)]


def test_every_row_arrives_as_sent_and_leaves_with_a_rollback(session: Session) -> None:
    table = _scratch_table(session)
    bulk_insert(session, table, ("n", "name", "day", "digest"), ROWS)
    stored = session.execute(select(table).order_by(table.c.n)).all()
    assert [tuple(row) for row in stored] == ROWS  # tabs, quotes, backslashes and bytes intact
    session.rollback()


def test_a_repeated_key_is_an_integrity_error_naming_the_table(session: Session) -> None:
    table = _scratch_table(session)
    bulk_insert(session, table, ("n", "name", "day", "digest"), ROWS[:3])
    with pytest.raises(IntegrityError) as caught:
        bulk_insert(session, table, ("n", "name", "day", "digest"), [ROWS[5], ROWS[1]])
    assert violation(caught.value).table == table.name
    session.rollback()
