"""One reach rule: a coach reaches the teams whose coach_id they are, a member the teams they
belong to now, and every route under /teams/{team_id} takes its team through that rule."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.reach.dependencies import TeamInReach
from tests import api
from tests.api import API, assert_problem
from tests.auth.test_permissions import api_routes
from tests.conftest import add_user, person_token


def _uses_team_in_reach(dependant: Dependant) -> bool:
    return any(
        isinstance(child.call, TeamInReach) or _uses_team_in_reach(child)
        for child in dependant.dependencies
    )


def test_every_team_scoped_route_takes_its_team_through_the_reach_rule(app: FastAPI) -> None:
    scoped = [(m, p, r) for m, p, r in api_routes(app) if "{team_id}" in p]
    assert len(scoped) >= 12
    missing = [f"{m} {p}" for m, p, r in scoped if not _uses_team_in_reach(r.dependant)]
    assert missing == []


def _patch(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    etag = client.get(path).headers["etag"]
    return client.patch(path, json=body, headers={"If-Match": etag})


@pytest.fixture
def two_teams(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    """Teams A and B; coach X coaches A, coach Y coaches nothing yet; both have accounts."""
    icb = api.organisation(client, kind="icb")
    trust = api.organisation(client)
    collaborative = api.collaborative(client)
    a = api.team(client, collaborative["id"], [trust["id"]])
    b = api.team(client, collaborative["id"], [trust["id"]])
    x = api.coach(client, icb["id"], a["id"])
    y = api.coach(client, icb["id"])
    headers = {}
    with session_factory.begin() as session:
        for name, person in (("x", x), ("y", y)):
            user = add_user(
                session,
                password_hash,
                Role.COACH,
                email=person["email"],
                member_id=uuid.UUID(person["id"]),
            )
            headers[name] = {"Authorization": f"Bearer {person_token(app, user)}"}
    return {"a": a, "b": b, "x": x, "y": y, "headers": headers}


def _visible(anonymous: TestClient, headers: dict[str, str]) -> list[str]:
    return [team["id"] for team in anonymous.get(f"{API}/teams", headers=headers).json()["items"]]


def test_moving_a_team_to_another_coach_moves_its_reach_at_once(
    client: TestClient, anonymous: TestClient, two_teams: dict[str, Any]
) -> None:
    a, b, x, y = (two_teams[k] for k in ("a", "b", "x", "y"))
    as_x, as_y = two_teams["headers"]["x"], two_teams["headers"]["y"]
    assert _visible(anonymous, as_x) == [a["id"]]
    assert _visible(anonymous, as_y) == []

    # The programme lead hands team A to Y and gives X team B; the same tokens are used.
    assert _patch(client, f"{API}/teams/{a['id']}", {"coach_id": y["id"]}).status_code == 200
    assert _patch(client, f"{API}/teams/{b['id']}", {"coach_id": x["id"]}).status_code == 200

    assert _visible(anonymous, as_x) == [b["id"]]
    assert _visible(anonymous, as_y) == [a["id"]]
    old = anonymous.get(f"{API}/teams/{a['id']}", headers=as_x)
    assert assert_problem(old, 404)["detail"] == f"No team with id {a['id']}."
    stale = client.get(f"{API}/teams/{a['id']}").headers["etag"]
    refused = anonymous.patch(
        f"{API}/teams/{a['id']}", json={"aim": "Mine"}, headers=as_x | {"If-Match": stale}
    )
    assert_problem(refused, 404)
    new = anonymous.get(f"{API}/teams/{b['id']}", headers=as_x)
    changed = anonymous.patch(
        f"{API}/teams/{b['id']}",
        json={"aim": "Protected breaks for every shift"},
        headers=as_x | {"If-Match": new.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["aim"] == "Protected breaks for every shift"
    me = anonymous.get(f"{API}/me", headers=as_x).json()
    assert [(team["id"], team["relation"]) for team in me["teams"]] == [(b["id"], "coach")]


def test_a_member_who_leaves_loses_the_team_at_once(
    client: TestClient,
    anonymous: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    trust = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [trust["id"]])
    person = api.member(client, trust["id"])
    assert api.membership(client, team["id"], person["id"]).status_code == 201
    with session_factory.begin() as session:
        user = add_user(
            session, password_hash, Role.MEMBER, person["email"], member_id=uuid.UUID(person["id"])
        )
    as_member = {"Authorization": f"Bearer {person_token(app, user)}"}
    assert _visible(anonymous, as_member) == [team["id"]]

    path = f"{API}/teams/{team['id']}/members/{person['id']}"
    etag = client.get(path).headers["etag"]
    assert client.delete(path, headers={"If-Match": etag}).status_code == 204

    assert _visible(anonymous, as_member) == []
    assert_problem(anonymous.get(f"{API}/teams/{team['id']}", headers=as_member), 404)
    # Their own record stays theirs to read.
    own = anonymous.get(f"{API}/members/{person['id']}", headers=as_member)
    assert own.json()["email"] == person["email"]
