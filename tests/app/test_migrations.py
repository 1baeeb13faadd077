"""Migrations build the schema the models describe, and round-trip, on this test's database."""

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.db import make_engine
from app.migrate import MIGRATIONS_DIR, current_revision, downgrade, head_revision, upgrade
from app.models import Base
from tests.conftest import create_scratch_database, drop_scratch_database


@pytest.fixture
def empty_database(tmp_path: object) -> Iterator[str]:
    url = create_scratch_database(str(tmp_path))
    yield url
    drop_scratch_database(url)


def _schema_drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_matches_models_and_round_trips(empty_database: str) -> None:
    model_tables = set(Base.metadata.tables)

    upgrade(empty_database)
    assert _tables(empty_database) == model_tables | {"alembic_version"}
    assert _schema_drift(empty_database) == []
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    engine.dispose()

    downgrade(empty_database)
    assert _tables(empty_database) == {"alembic_version"}

    upgrade(empty_database)
    assert _tables(empty_database) == model_tables | {"alembic_version"}
    assert _schema_drift(empty_database) == []


def test_there_is_a_single_head() -> None:
    assert len(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()) == 1
