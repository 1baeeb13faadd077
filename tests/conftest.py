"""Test fixtures: a migrated database per run (SQLite, or PostgreSQL from TEST_DATABASE_URL),
a transaction per test rolled back at the end, and the real ASGI app over HTTP."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import AuditTrail
from app.auth import keys
from app.auth import service as auth
from app.auth.models import Client, Role, Scope, User
from app.auth.passwords import hash_secret
from app.clients import service as clients
from app.config import PASSWORD_HASH_MINIMUMS, Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.survey_results import response_ids

TEST_PASSWORD = "correct horse battery staple"
# The key survey response ids are hashed with (`response_ids`), fixed so that a test can compute
# what is stored.
RESPONSE_ID_KEY = bytes(range(32))

# argon2 at its cheapest (microseconds, not half a second a hash), through the settings of this
# process and of every server and CLI it starts, which inherit the environment. Settings refuse
# such values in production; hashes stay real argon2id, so verification is what users get.
CHEAP_PASSWORD_HASHING = {
    "QI_PASSWORD_HASH_TIME_COST": "1",
    "QI_PASSWORD_HASH_MEMORY_COST": "8",
    "QI_PASSWORD_HASH_PARALLELISM": "1",
}
os.environ.update(CHEAP_PASSWORD_HASHING)
# What a production app's settings need instead (its real defaults).
PRODUCTION_HASHING: dict[str, Any] = dict(PASSWORD_HASH_MINIMUMS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (a stable sort, so each file keeps its order): xdist then hands the long
    ones out while every worker is free, and the short ones fill in around them, rather than a
    worker starting schemathesis when the others have nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test apps keep their signing keys and response-id key, made here as `qicollab
    serve` makes them before its workers start (building an app touches no file)."""
    path = tmp_path_factory.mktemp("data")
    keys.load_or_create(path)
    response_ids.ensure_key(path, RESPONSE_ID_KEY)
    return path


def build_app(database_url: str, session_factory: sessionmaker[Session], data_dir: Path) -> FastAPI:
    settings = Settings(env="test", database_url=database_url, data_dir=data_dir)
    return create_app(settings, session_factory)


@pytest.fixture
def app(database_url: str, session_factory: sessionmaker[Session], data_dir: Path) -> FastAPI:
    return build_app(database_url, session_factory, data_dir)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_secret(TEST_PASSWORD)


def add_user(
    session: Session, password_hash: str, role: Role, email: str | None = None, **fields: Any
) -> User:
    """An account with TEST_PASSWORD (hashed once per run: argon2 is slow on purpose)."""
    user = User(
        email=email or f"{role.value}.{uuid.uuid4().hex[:8]}@example.nhs.uk",
        password_hash=password_hash,
        role=role,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def person_token(app: FastAPI, user: User) -> str:
    """An access token for a person's account, made by the function a password sign-in uses, for
    a sign-in of its own (no refresh token is stored for it). Tests that need a bad token on
    purpose forge it with tests/forge.py instead."""
    keyring = app.state.key_store.current()
    return auth.person_access_token(app.state.settings, keyring, user, uuid.uuid4())


def client_token(app: FastAPI, client: Client, scopes: str | None = None) -> str:
    """An access token for a machine client, made by the function the client-credentials grant
    uses (for all its scopes unless given)."""
    granted = scopes if scopes is not None else " ".join(client.scopes)
    keyring = app.state.key_store.current()
    return auth.client_access_token(app.state.settings, keyring, client, granted)


def add_client(
    session: Session, scopes: list[Scope], organisation_codes: list[str] | None = None
) -> Client:
    """A machine client (secret unknown: use client_token) acting for these organisations."""
    created, _ = clients.create_client(
        session,
        AuditTrail(),
        name=f"client {uuid.uuid4().hex[:6]}",
        scopes=scopes,
        organisations=clients.organisations_by_code(session, organisation_codes or []),
    )
    return created


@pytest.fixture
def admin_token(app: FastAPI, session_factory: sessionmaker[Session], password_hash: str) -> str:
    with session_factory.begin() as session:
        admin = add_user(session, password_hash, Role.ADMIN)
    return person_token(app, admin)


@pytest.fixture
def client(app: FastAPI, admin_token: str) -> Iterator[TestClient]:
    """The API as a programme lead (admin) sees it."""
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}) as client:
        yield client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """The API without credentials."""
    with TestClient(app) as client:
        yield client
