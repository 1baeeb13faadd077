"""Who may import which rows (admins any, coaches their teams', trust clients with
`imports:write` their organisations'), and who sees which imports afterwards."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, Scope
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_client, add_user, client_token, person_token
from tests.imports.survey_support import COUNTS_HEADER, enjoy, responses_csv
from tests.imports_support import (
    IMPORTS,
    Collaborative,
    Trust,
    collaborative,
    csv_text,
    example,
    post_file,
    workforce,
)


@dataclass(frozen=True)
class Callers:
    coach_a: TestClient  # coaches team a
    client_a: TestClient  # trust a's system, bound to trust a, with imports:write
    reader_a: TestClient  # trust a's system with read only
    member_a: TestClient  # a member of team a
    unbound: TestClient  # a system bound to no organisation, with imports:write


@pytest.fixture
def world(client: TestClient) -> Collaborative:
    return collaborative(client)


@pytest.fixture
def callers(
    app: FastAPI,
    client: TestClient,
    world: Collaborative,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> Iterator[Callers]:
    organisation_id = world.a.organisation["id"]
    coach = api.coach(client, organisation_id, world.a.team_id)
    person = api.member(client, organisation_id)
    assert api.membership(client, world.a.team_id, person["id"]).status_code == 201
    with session_factory.begin() as session:
        coach_user = add_user(
            session,
            password_hash,
            Role.COACH,
            email=coach["email"],
            member_id=uuid.UUID(coach["id"]),
        )
        member_user = add_user(
            session, password_hash, Role.MEMBER, member_id=uuid.UUID(person["id"])
        )
        bound = add_client(session, [Scope.IMPORTS_WRITE, Scope.READ], [world.a.ods])
        reader = add_client(session, [Scope.READ, Scope.MEASURES_WRITE], [world.a.ods])
        unbound = add_client(session, [Scope.IMPORTS_WRITE, Scope.READ])
    tokens = [
        person_token(app, coach_user),
        client_token(app, bound),
        client_token(app, reader),
        person_token(app, member_user),
        client_token(app, unbound),
    ]
    clients = [TestClient(app, headers={"Authorization": f"Bearer {token}"}) for token in tokens]
    for each in clients:
        each.__enter__()
    yield Callers(*clients)
    for each in clients:
        each.__exit__(None, None, None)


def test_a_bound_trust_client_imports_its_own_rows(
    callers: Callers, client: TestClient, world: Collaborative
) -> None:
    response = post_file(callers.client_a, world.id, csv_text([example(world.a)]))
    assert response.status_code == 201, response.text
    assert response.json()["created_by"].startswith("client:")
    assert len(workforce(client, world.a.team_id)["months"]) == 1


def test_a_trust_system_registered_with_imports_write_signs_in_and_imports(
    client: TestClient, anonymous: TestClient, world: Collaborative
) -> None:
    made = client.post(
        f"{API}/clients",
        json={
            "name": f"ESR feed {uuid.uuid4().hex[:6]}",
            "scopes": ["imports:write"],
            "organisation_ids": [world.a.organisation["id"]],
        },
    )
    assert made.status_code == 201, made.text
    form = {
        "grant_type": "client_credentials",
        "client_id": made.json()["client"]["id"],
        "client_secret": made.json()["client_secret"],
    }
    granted = anonymous.post(f"{API}/auth/token", data=form)
    assert granted.json()["scope"] == "imports:write"
    headers = {"Authorization": f"Bearer {granted.json()['access_token']}"}

    response = post_file(anonymous, world.id, csv_text([example(world.a)]), headers=headers)

    assert response.status_code == 201, response.text
    # imports:write does not include reading: the import is read back by someone who may.
    assert_problem(anonymous.get(response.headers["Location"], headers=headers), 403)
    assert client.get(response.headers["Location"]).json()["status"] == "succeeded"


def test_a_bound_trust_client_may_not_send_another_organisations_rows(
    callers: Callers, client: TestClient, world: Collaborative
) -> None:
    b = world.b
    rows = [
        example(world.a),
        f"{b.ods},{b.ref},2025-03-01,40,39,2,3,,",
        # Even a row the collaborative has no team for: the organisation is not theirs.
        f"{b.ods},ELSEWHERE,2025-03-01,40,39,2,3,,",
    ]

    response = post_file(callers.client_a, world.id, csv_text(rows))

    problem = assert_problem(response, 403)
    assert problem["type"].endswith(":forbidden-rows")
    assert problem["errors"] == [
        {"row": row, "column": "ods_code", "message": "you may not import rows for this team"}
        for row in (3, 4)
    ]
    assert problem["error_count"] == 2
    assert workforce(client, world.a.team_id)["months"] == []
    record = callers.client_a.get(f"{IMPORTS}/{problem['import_id']}").json()
    assert (record["status"], record["error_count"]) == ("failed", 2)


def test_a_coach_imports_for_the_teams_they_coach_only(
    callers: Callers, client: TestClient, world: Collaborative
) -> None:
    own = post_file(callers.coach_a, world.id, csv_text([example(world.a)]))
    assert own.status_code == 201, own.text

    other = post_file(callers.coach_a, world.id, csv_text([example(world.a), example(world.b)]))

    problem = assert_problem(other, 403)
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(3, "ods_code")]
    assert workforce(client, world.b.team_id)["months"] == []
    # Rows of teams outside the collaborative are still only skipped.
    skipped = post_file(
        callers.coach_a,
        world.id,
        csv_text([example(world.a), f"{world.b.ods},NOT-A-TEAM,2025-03-01,40,39,2,3,,"]),
    )
    assert skipped.status_code == 201, skipped.text
    assert skipped.json()["rows_skipped"] == 1


@pytest.mark.parametrize("caller", ["reader_a", "member_a"])
def test_callers_without_the_import_permission_are_refused_before_the_file(
    callers: Callers, world: Collaborative, caller: str
) -> None:
    response = post_file(getattr(callers, caller), world.id, csv_text([example(world.a)]))
    assert "import" in assert_problem(response, 403)["detail"]


def _survey_file(kind: str, *teams: Trust, prefix: str) -> str:
    """A survey file of either kind with rows for these teams (the week of 2025-03-03)."""
    if kind == "survey-responses":
        people = [
            r for team in teams for r in enjoy(team, [("often", 2)], prefix=f"{prefix}-{team.ref}")
        ]
        return responses_csv(people)
    rows = [f"{team.ods},{team.ref},2025-03-03,enjoy_work,often,2,," for team in teams]
    return "\r\n".join([COUNTS_HEADER, *rows]) + "\r\n"


@pytest.mark.parametrize("kind", ["survey-responses", "survey-counts"])
def test_the_survey_kinds_follow_the_same_rules_of_who_may_send_which_rows(
    callers: Callers, client: TestClient, world: Collaborative, kind: str
) -> None:
    def post(caller: TestClient, *teams: Trust, prefix: str) -> Any:
        body = _survey_file(kind, *teams, prefix=prefix)
        return post_file(caller, world.id, body, kind=kind, survey="enjoying-work")

    for caller, name in ((callers.client_a, "client"), (callers.coach_a, "coach")):
        assert post(caller, world.a, prefix=name).status_code == 201
        problem = assert_problem(post(caller, world.a, world.b, prefix=f"{name}-b"), 403)
        assert problem["type"].endswith(":forbidden-rows")
        assert {e["column"] for e in problem["errors"]} == {"ods_code"}
    for caller in (callers.reader_a, callers.member_a):
        assert "import" in assert_problem(post(caller, world.a, prefix="no"), 403)["detail"]
    assert post(callers.unbound, world.a, world.b, prefix="any").status_code == 201
    results = client.get(f"{API}/teams/{world.b.team_id}/survey-results").json()["items"]
    assert [item["period_start"] for item in results] == ["2025-03-03"]


def test_an_unbound_client_may_send_any_organisations_rows(
    callers: Callers, world: Collaborative
) -> None:
    response = post_file(callers.unbound, world.id, csv_text([example(world.a), example(world.b)]))
    assert response.status_code == 201, response.text


def test_each_caller_sees_their_own_imports_and_their_teams(
    callers: Callers, client: TestClient, world: Collaborative
) -> None:
    by_admin_for_b = post_file(client, world.id, csv_text([example(world.b)])).json()
    by_admin_for_a = post_file(client, world.id, csv_text([example(world.a)])).json()
    by_client = post_file(callers.client_a, world.id, csv_text([example(world.a)])).json()
    by_coach = post_file(callers.coach_a, world.id, csv_text([example(world.a)])).json()

    def seen(caller: TestClient) -> list[str]:
        response = caller.get(IMPORTS, params={"collaborative_id": world.id})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    every = [by_admin_for_b["id"], by_admin_for_a["id"], by_client["id"], by_coach["id"]]
    assert seen(client) == every
    assert seen(callers.unbound) == every
    # Team a's people and trust a's systems see what concerns team a, not team b's import.
    for caller in (callers.coach_a, callers.member_a, callers.client_a, callers.reader_a):
        assert seen(caller) == every[1:]
    assert_problem(callers.member_a.get(f"{IMPORTS}/{by_admin_for_b['id']}"), 404)
    assert callers.member_a.get(f"{IMPORTS}/{by_client['id']}").status_code == 200


def test_the_list_filters_and_pages(client: TestClient, world: Collaborative) -> None:
    good = [post_file(client, world.id, csv_text([example(world.a)])).json() for _ in range(3)]
    bad = post_file(client, world.id, csv_text([f"{world.b.ods},{world.b.ref},x,1,1,1,1,,"]))
    failed_id = bad.json()["import_id"]
    other = collaborative(client)
    post_file(client, other.id, csv_text([example(other.a)]))

    def ids(**params: str) -> list[str]:
        response = client.get(IMPORTS, params={"collaborative_id": world.id} | params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [*(g["id"] for g in good), failed_id]
    assert ids(status="failed") == [failed_id]
    assert ids(status="succeeded", kind="workforce-monthly") == [g["id"] for g in good]
    assert ids(kind="survey-counts") == []
    assert ids(organisation_id=world.b.organisation["id"]) == [failed_id]
    assert ids(organisation_id=world.a.organisation["id"]) == [g["id"] for g in good]
    first = client.get(IMPORTS, params={"collaborative_id": world.id, "limit": 2}).json()
    assert [item["id"] for item in first["items"]] == [g["id"] for g in good[:2]]
    rest = client.get(
        IMPORTS,
        params={"collaborative_id": world.id, "limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [item["id"] for item in rest["items"]] == [good[2]["id"], failed_id]
    assert rest["next_cursor"] is None
    moved = client.get(IMPORTS, params={"status": "failed", "cursor": first["next_cursor"]})
    assert_problem(moved, 400)


def test_an_unknown_import_is_404(client: TestClient) -> None:
    problem = assert_problem(client.get(f"{IMPORTS}/{uuid.uuid4()}"), 404)
    assert problem["detail"].startswith("No import with id")
    assert_problem(client.get(f"{API}/imports/not-an-id"), 422)
