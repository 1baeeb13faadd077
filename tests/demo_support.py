"""The demo loaded in process into a scratch database (SQLite or PostgreSQL), with an admin's
client over real HTTP: what the tests of the demo's survey and workforce data read."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app.auth.models import Role
from app.db import make_engine, make_sessionmaker
from app.demo import DemoSummary, load_demo
from app.migrate import upgrade
from app.teams.models import Team
from tests.api import API
from tests.conftest import (
    add_user,
    build_app,
    create_scratch_database,
    drop_scratch_database,
    person_token,
)

THRESHOLD = 10  # QI_MIN_RESPONSES unless configured, as the test app's settings have it


@dataclass(frozen=True)
class Demo:
    engine: Engine
    summary: DemoSummary
    client: TestClient  # signed in as an admin: the programme lead's role
    teams: dict[str, uuid.UUID]  # team_ref -> id


def loaded_demo(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path, password_hash: str
) -> Iterator[Demo]:
    """A module fixture's body: the demo loaded once, dropped afterwards."""
    url = create_scratch_database(str(tmp_path_factory.mktemp("demo")))
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        summary = load_demo(session, threshold=THRESHOLD)
        admin = add_user(session, password_hash, Role.ADMIN)
        teams = {
            ref.ref: team.id for team in session.scalars(select(Team)) for ref in team.external_refs
        }
    app = build_app(url, sessions, data_dir)
    headers = {"Authorization": f"Bearer {person_token(app, admin)}"}
    with TestClient(app, headers=headers) as client:
        yield Demo(engine, summary, client, teams)
    engine.dispose()
    drop_scratch_database(url)


def get(demo: Demo, path: str, **params: Any) -> Any:
    response = demo.client.get(f"{API}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def shared_measures(demo: Demo) -> dict[str, dict[str, Any]]:
    """The demo collaborative's measures by code, as GET /measures shows them."""
    collaborative = str(demo.summary.collaborative_id)
    return {
        m["code"]: m
        for m in get(demo, "/measures", collaborative_id=collaborative, limit=100)["items"]
    }
