"""Reads stay cheap: a caller seen moments ago is not looked up again, and a list costs the
same few queries however many items it holds. Every change to an account or a client still
reaches a token already in use on its next request."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from app.auth.cache import PrincipalCache
from app.auth.models import Role, Scope, User
from app.auth.principal import Principal
from tests.api import API, assert_problem, collaborative, measure, organisation, team
from tests.conftest import TEST_PASSWORD, add_client, add_user, client_token, person_token

TEAMS = f"{API}/teams"


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    """The SQL each request sends, as the database receives it."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection, "before_cursor_execute", record)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coach(session_factory: sessionmaker[Session], password_hash: str) -> User:
    with session_factory.begin() as session:
        return add_user(session, password_hash, Role.COACH)


def change(
    client: TestClient, method: str, resource: str, body: Any = None, then: str = ""
) -> None:
    """A change the programme lead makes to `resource` (at `resource + then`), with its ETag."""
    etag = client.get(resource).headers["etag"]
    response = client.request(method, resource + then, json=body, headers={"If-Match": etag})
    assert response.is_success, response.text


def test_a_repeated_read_neither_looks_the_caller_up_nor_queries_per_team(
    client: TestClient, statements: list[str]
) -> None:
    home = organisation(client)
    programme = collaborative(client)
    for number in range(3):
        refs = [{"ods_code": home["ods_code"], "ref": f"W{number}-{n}"} for n in range(2)]
        team(client, programme["id"], [home["id"]], external_refs=refs)
    assert client.get(TEAMS).status_code == 200
    statements.clear()
    listed = client.get(TEAMS)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 3
    assert all(item["organisation_ids"] == [home["id"]] for item in listed.json()["items"])
    assert all(len(item["external_refs"]) == 2 for item in listed.json()["items"])
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "users" in s or "refresh_tokens" in s], reads
    # The page with its teams' organisations, the page's external refs, then the lead
    # verdicts: the same three however many teams the page holds.
    assert len(reads) == 3, reads


def test_pages_count_teams_not_their_organisations(client: TestClient) -> None:
    trusts = sorted([organisation(client), organisation(client)], key=lambda o: o["ods_code"])
    programme = collaborative(client)
    made = [team(client, programme["id"], [o["id"] for o in trusts])["id"] for _ in range(3)]
    first = client.get(TEAMS, params={"limit": 2}).json()
    rest = client.get(TEAMS, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [t["id"] for t in first["items"] + rest["items"]] == made
    assert rest["next_cursor"] is None
    every = first["items"] + rest["items"]
    assert all(t["organisation_ids"] == [o["id"] for o in trusts] for t in every)


def test_a_teams_chart_does_not_read_the_teams_organisations(
    client: TestClient, statements: list[str]
) -> None:
    programme = collaborative(client)
    theirs = team(client, programme["id"], [organisation(client)["id"]])
    shared = measure(client, collaborative_id=programme["id"])
    series = f"{TEAMS}/{theirs['id']}/measures/{shared['id']}"
    points = [{"period_start": "2024-08-05", "value": 41.5}]
    assert client.put(f"{series}/data", json={"points": points}).status_code == 200
    statements.clear()
    chart = client.get(f"{series}/chart")
    assert chart.status_code == 200, chart.text
    assert chart.json()["team_id"] == theirs["id"]
    assert [point["value"] for point in chart.json()["points"]] == [41.5]
    assert not [s for s in statements if "team_organisations" in s], statements


def test_a_role_change_reaches_a_token_in_use(
    client: TestClient, app: FastAPI, coach: User
) -> None:
    team(client, collaborative(client)["id"], [organisation(client)["id"]])
    token = person_token(app, coach)
    assert client.get(TEAMS, headers=bearer(token)).json()["items"] == []
    change(client, "PATCH", f"{API}/accounts/{coach.id}", {"role": "admin"})
    assert len(client.get(TEAMS, headers=bearer(token)).json()["items"]) == 1


def test_disabling_an_account_in_use_stops_its_token(
    client: TestClient, app: FastAPI, coach: User
) -> None:
    token = person_token(app, coach)
    assert client.get(TEAMS, headers=bearer(token)).status_code == 200
    change(client, "PATCH", f"{API}/accounts/{coach.id}", {"disabled": True})
    refused = client.get(TEAMS, headers=bearer(token))
    assert "disabled" in assert_problem(refused, 401)["detail"]


def test_a_password_reset_stops_a_token_in_use(
    client: TestClient, anonymous: TestClient, coach: User
) -> None:
    form = {"grant_type": "password", "username": coach.email, "password": TEST_PASSWORD}
    signed_in = anonymous.post(f"{API}/auth/token", data=form)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    assert anonymous.get(f"{API}/me", headers=bearer(token)).status_code == 200
    change(client, "POST", f"{API}/accounts/{coach.id}", then="/password-reset")
    refused = anonymous.get(f"{API}/me", headers=bearer(token))
    assert "ended" in assert_problem(refused, 401)["detail"]


def test_a_clients_new_organisations_reach_a_token_in_use(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    first, second = organisation(client), organisation(client)
    programme = collaborative(client)
    theirs = team(client, programme["id"], [second["id"]])
    with session_factory.begin() as session:
        reader = add_client(session, [Scope.READ], [first["ods_code"]])
    token = client_token(app, reader)
    assert client.get(TEAMS, headers=bearer(token)).json()["items"] == []
    change(client, "PATCH", f"{API}/clients/{reader.id}", {"organisation_ids": [second["id"]]})
    listed = client.get(TEAMS, headers=bearer(token)).json()["items"]
    assert [item["id"] for item in listed] == [theirs["id"]]


def test_rotating_a_clients_secret_stops_a_token_in_use(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        reader = add_client(session, [Scope.READ])
    token = client_token(app, reader)
    assert client.get(TEAMS, headers=bearer(token)).status_code == 200
    change(client, "POST", f"{API}/clients/{reader.id}", then="/secret")
    refused = client.get(TEAMS, headers=bearer(token))
    assert "rotated" in assert_problem(refused, 401)["detail"]


def test_a_look_up_that_began_before_a_change_is_not_remembered() -> None:
    cache = PrincipalCache(ttl=60)
    caller = Principal(actor="user:1", role=Role.COACH)
    began = cache.generation
    cache.clear()  # an account changed while the look-up read the old row
    cache.put("token", caller, time.time() + 600, began)
    assert cache.get("token") is None
    cache.put("token", caller, time.time() + 600, cache.generation)
    assert cache.get("token") == caller


def test_a_token_is_remembered_no_longer_than_it_lives() -> None:
    cache = PrincipalCache(ttl=60)
    caller = Principal(actor="user:1", role=Role.COACH)
    cache.put("expired", caller, time.time() - 1, cache.generation)
    assert cache.get("expired") is None
    cache.put("ending", caller, time.time() + 0.05, cache.generation)
    assert cache.get("ending") == caller
    time.sleep(0.1)
    assert cache.get("ending") is None
