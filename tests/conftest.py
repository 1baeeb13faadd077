"""Test fixtures: a migrated database per run (SQLite, or PostgreSQL from TEST_DATABASE_URL),
a transaction per test rolled back at the end, and the real ASGI app over HTTP."""

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _admin_engine(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def create_scratch_database(tmp_dir: str) -> str:
    """A new, empty database: a SQLite file, or a fresh database on the PostgreSQL server."""
    base = postgres_url()
    if base is None:
        return f"sqlite:///{tmp_dir}/{uuid.uuid4().hex}.db"
    name = f"qi_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(url: str) -> None:
    base = postgres_url()
    if base is None:
        return
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_scratch_database(str(tmp_path_factory.mktemp("db")))
    upgrade(url)
    yield url
    drop_scratch_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """An outer transaction that the test's requests commit into as savepoints; rolled back."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def build_app(database_url: str, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(Settings(env="test", database_url=database_url), session_factory)


@pytest.fixture
def app(database_url: str, session_factory: sessionmaker[Session]) -> FastAPI:
    return build_app(database_url, session_factory)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
