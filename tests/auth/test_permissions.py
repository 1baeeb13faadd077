"""Every route declares a permission, and callers get exactly what their role allows."""

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.dependencies import Allow
from app.auth.models import Role, Scope
from app.auth.principal import Permission
from app.reach.dependencies import TeamInReach
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_client, add_user, client_token, person_token

PUBLIC = {("POST", f"{API}/auth/token"), ("POST", f"{API}/auth/revoke")}


def _permissions(dependant: Dependant) -> list[Permission]:
    found = [
        d.call.permission for d in dependant.dependencies if isinstance(d.call, Allow | TeamInReach)
    ]
    for child in dependant.dependencies:
        found += _permissions(child)
    return found


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) for every operation under /api/v1, walked from the app."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIRoute) and path.startswith(API):
            found += [(method, path, route) for method in sorted(context.methods or ())]
    return found


def test_every_api_route_declares_exactly_one_permission(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) >= 40
    for method, path, route in routes:
        permissions = _permissions(route.dependant)
        if (method, path) in PUBLIC:
            assert permissions == [], f"{method} {path} must stay open to sign in and out"
        else:
            assert len(permissions) == 1, f"{method} {path} declares {permissions or 'nothing'}"


@pytest.fixture
def world(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    """Two teams, each with a lead, a member and a coach; an admin; two trusts' clients."""
    collaborative = api.collaborative(client)
    world: dict[str, Any] = {"tokens": {}}
    for name in ("a", "b"):
        organisation = api.organisation(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        lead = api.member(client, organisation["id"])
        member = api.member(client, organisation["id"])
        coach = api.coach(client, organisation["id"], team["id"])
        api.membership(client, team["id"], lead["id"], "lead")
        api.membership(client, team["id"], member["id"])
        measure = api.measure(client, team_id=team["id"])
        world[name] = {
            "team": client.get(f"{API}/teams/{team['id']}").json(),
            "organisation": organisation,
            "measure": measure,
            "lead": lead,
            "coach": coach,
        }
        with session_factory.begin() as session:
            people = {
                "coach": add_user(
                    session,
                    password_hash,
                    Role.COACH,
                    email=coach["email"],
                    member_id=uuid.UUID(coach["id"]),
                ),
                "lead": add_user(
                    session, password_hash, Role.MEMBER, member_id=uuid.UUID(lead["id"])
                ),
                "member": add_user(
                    session, password_hash, Role.MEMBER, member_id=uuid.UUID(member["id"])
                ),
            }
        for role, user in people.items():
            world["tokens"][f"{role}_{name}"] = person_token(app, user)
        world["tokens"][f"client_{name}"] = _client_token(
            app, session_factory, organisation["ods_code"], "measures:write read"
        )
    world["tokens"]["admin"] = client.headers["Authorization"].removeprefix("Bearer ")
    world["tokens"]["reader"] = _client_token(app, session_factory, None, "read")
    return world


def _client_token(
    app: FastAPI, session_factory: sessionmaker[Session], ods: str | None, scopes: str
) -> str:
    with session_factory.begin() as session:
        created = add_client(session, [Scope(s) for s in scopes.split()], [ods] if ods else [])
    return client_token(app, created)


# Who may call routes of each permission (before object-level rules).
ALLOWED = {
    "read": {"admin", "coach", "lead", "member", "client", "reader"},
    "chart": {"admin", "coach", "lead", "member", "client", "reader"},
    "administer": {"admin"},
    "manage_team": {"admin", "coach"},
    "record_data": {"admin", "coach", "lead", "member", "client"},
    # client_a has read and measures:write, not imports:write.
    "import": {"admin", "coach"},
    "own_profile": {"admin", "coach", "lead", "member"},
    # Applying is for people; reviewing for the panel (admins and coaches).
    "apply": {"admin", "coach", "lead", "member"},
    "review": {"admin", "coach"},
    "assess": {"admin", "coach", "lead", "member"},
    "team_work": {"admin", "coach", "lead", "member"},
    "self": {"admin", "coach", "lead", "member", "client", "reader"},
    "own_password": {"admin", "coach", "lead", "member"},
}
CALLERS = ["admin", "coach_a", "lead_a", "member_a", "client_a", "reader"]


def _fill(path: str, world: dict[str, Any]) -> str:
    ids = {
        "team_id": world["a"]["team"]["id"],
        "measure_id": world["a"]["measure"]["id"],
        "organisation_id": world["a"]["organisation"]["id"],
        "collaborative_id": world["a"]["team"]["collaborative_id"],
        "period_start": "2025-01-06",
    }
    # A parameter may name a path convertor, e.g. {period_start:isodate}.
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


def test_function_level_matrix(app: FastAPI, anonymous: TestClient, world: dict[str, Any]) -> None:
    """Every route x caller: callers without the route's permission get 403 (or 401 without a
    token) before anything else is looked at; callers with it never get 401 or 403."""
    checked = 0
    for method, path, route in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        (permission,) = _permissions(route.dependant)
        url = _fill(path, world)
        assert_problem(anonymous.request(method, url), 401)
        for caller in CALLERS:
            kind = caller.split("_")[0]
            headers = {"Authorization": f"Bearer {world['tokens'][caller]}"}
            body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
            response = anonymous.request(method, url, headers=headers, json=body)
            if kind in ALLOWED[permission.name]:
                assert response.status_code not in (401, 403), (method, path, caller, response.text)
            else:
                assert response.status_code == 403, (method, path, caller, response.text)
            checked += 1
    assert checked >= 40 * len(CALLERS)


def _points(client: TestClient, caller_token: str, team: str, measure: str) -> Any:
    return client.put(
        f"{API}/teams/{team}/measures/{measure}/data",
        json={"points": [{"period_start": "2025-01-06", "value": 4.0}]},
        headers={"Authorization": f"Bearer {caller_token}"},
    )


@pytest.mark.parametrize("caller", ["coach_b", "lead_b", "member_b", "client_b"])
def test_another_teams_data_is_404_not_403(
    anonymous: TestClient, world: dict[str, Any], caller: str
) -> None:
    token = world["tokens"][caller]
    a = world["a"]
    response = _points(anonymous, token, a["team"]["id"], a["measure"]["id"])
    assert assert_problem(response, 404)["detail"] == f"No team with id {a['team']['id']}."


@pytest.mark.parametrize("caller", ["admin", "coach_a", "lead_a", "member_a", "client_a"])
def test_own_team_data_can_be_recorded(
    anonymous: TestClient, world: dict[str, Any], caller: str
) -> None:
    a = world["a"]
    response = _points(anonymous, world["tokens"][caller], a["team"]["id"], a["measure"]["id"])
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["value"] == 4.0


def test_privileged_fields_are_refused_not_ignored(
    anonymous: TestClient, client: TestClient, world: dict[str, Any]
) -> None:
    team_path = f"{API}/teams/{world['a']['team']['id']}"
    coach = {"Authorization": f"Bearer {world['tokens']['coach_a']}"}
    etag = client.get(team_path).headers["etag"]
    refused = anonymous.patch(
        team_path, json={"status": "selected"}, headers=coach | {"If-Match": etag}
    )
    assert "status" in assert_problem(refused, 403)["detail"]
    allowed = anonymous.patch(
        team_path, json={"aim": "Fewer missed breaks"}, headers=coach | {"If-Match": etag}
    )
    assert allowed.json()["aim"] == "Fewer missed breaks"
    assert client.get(team_path).json()["status"] == "applied"
    newcomer = api.member(client, world["a"]["organisation"]["id"])
    as_lead = anonymous.post(
        f"{team_path}/members",
        json={"member_id": newcomer["id"], "role": "lead"},
        headers=coach,
    )
    assert_problem(as_lead, 403)


def test_denials_are_audited(
    anonymous: TestClient, client: TestClient, world: dict[str, Any]
) -> None:
    member = {"Authorization": f"Bearer {world['tokens']['member_a']}"}
    assert_problem(anonymous.post(f"{API}/organisations", json={}, headers=member), 403)
    events = client.get(f"{API}/audit-events", params={"action": "request_denied"}).json()
    (event,) = events["items"]
    assert (event["outcome"], event["reason"], event["path"]) == (
        "denied",
        "needs administer",
        f"{API}/organisations",
    )
    assert event["actor"].startswith("user:")


def _team_scoped_reads(app: FastAPI, world: dict[str, Any]) -> list[str]:
    """Every GET under a team, plus the team, its own measure and one of its people."""
    a = world["a"]
    urls = [
        _fill(path, world)
        for method, path, _ in api_routes(app)
        if method == "GET"
        and "{team_id}" in path
        and "{member_id}" not in path
        and "{score_id}" not in path
    ]
    urls.append(f"{API}/measures/{a['measure']['id']}")
    urls.append(f"{API}/members/{a['lead']['id']}")
    urls.append(f"{API}/teams/{a['team']['id']}/members/{a['lead']['id']}")
    if "score" in a:
        urls.append(f"{API}/teams/{a['team']['id']}/progress-scores/{a['score']['id']}")
    return urls


@pytest.fixture
def charted(client: TestClient, world: dict[str, Any]) -> None:
    """Team a has a data point, so its chart exists for those who may see it."""
    a = world["a"]
    path = f"{API}/teams/{a['team']['id']}/measures/{a['measure']['id']}/data"
    client.put(path, json={"points": [{"period_start": "2025-01-06", "value": 4.0}]})
    scores = f"{API}/teams/{a['team']['id']}/progress-scores"
    scored = client.post(scores, json={"score": 1.0, "assessor": "coach"})
    assert scored.status_code == 201, scored.text
    a["score"] = scored.json()


def test_cross_team_reads_are_404_and_own_team_reads_work(
    app: FastAPI, anonymous: TestClient, world: dict[str, Any], charted: None
) -> None:
    urls = _team_scoped_reads(app, world)
    assert len(urls) >= 8
    for url in urls:
        for caller in ("coach_b", "lead_b", "member_b", "client_b"):
            headers = {"Authorization": f"Bearer {world['tokens'][caller]}"}
            assert_problem(anonymous.get(url, headers=headers), 404)
        for caller in ("admin", "coach_a", "lead_a", "member_a", "client_a", "reader"):
            headers = {"Authorization": f"Bearer {world['tokens'][caller]}"}
            response = anonymous.get(url, headers=headers)
            assert response.status_code == 200, (url, caller, response.text)


@pytest.mark.parametrize(
    ("caller", "sees"), [("member_a", "a"), ("coach_b", "b"), ("client_b", "b")]
)
def test_lists_show_only_what_the_caller_may_see(
    anonymous: TestClient, world: dict[str, Any], caller: str, sees: str
) -> None:
    headers = {"Authorization": f"Bearer {world['tokens'][caller]}"}
    teams = anonymous.get(f"{API}/teams", headers=headers).json()["items"]
    assert [t["id"] for t in teams] == [world[sees]["team"]["id"]]
    own = {m["id"] for m in anonymous.get(f"{API}/measures", headers=headers).json()["items"]}
    assert own == {world[sees]["measure"]["id"]}
    people = anonymous.get(f"{API}/members", headers=headers).json()["items"]
    assert {p["organisation_id"] for p in people} == {world[sees]["organisation"]["id"]}


# A valid body for each write under a team, so the 404 comes from the reach rule, not from
# validation. A new team-scoped write route fails the test until it is listed here.
TEAM_WRITE_BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v1/teams/{team_id}"): {"aim": "Borrowed"},
    ("DELETE", "/api/v1/teams/{team_id}"): None,
    ("POST", "/api/v1/teams/{team_id}/members"): "new_member",
    ("PATCH", "/api/v1/teams/{team_id}/members/{member_id}"): {"joined_on": "2024-07-31"},
    ("DELETE", "/api/v1/teams/{team_id}/members/{member_id}"): None,
    ("PUT", "/api/v1/teams/{team_id}/measures/{measure_id}/data"): {
        "points": [{"period_start": "2025-01-06", "value": 1.0}]
    },
    ("DELETE", "/api/v1/teams/{team_id}/measures/{measure_id}/data/{period_start:isodate}"): None,
    ("POST", "/api/v1/teams/{team_id}/measures/{measure_id}/data/delete"): {
        "period_starts": ["2025-01-06"]
    },
    ("PUT", "/api/v1/teams/{team_id}/measures/{measure_id}/rebases"): {"rebases": []},
    ("POST", "/api/v1/teams/{team_id}/progress-scores"): {"score": 2.0, "assessor": "team"},
    ("POST", "/api/v1/teams/{team_id}/change-ideas"): {"title": "Borrowed idea"},
    ("PUT", "/api/v1/teams/{team_id}/driver-diagram"): {"aim": "Borrowed"},
    ("POST", "/api/v1/teams/{team_id}/pdsa-cycles"): {
        "change_idea_id": "00000000-0000-0000-0000-000000000000",
        "title": "Borrowed cycle",
        "starts_on": "2025-01-06",
    },
}


def test_cross_team_writes_are_404(
    app: FastAPI, client: TestClient, anonymous: TestClient, world: dict[str, Any]
) -> None:
    a = world["a"]
    writes = {
        (method, path): route
        for method, path, route in api_routes(app)
        if method != "GET" and "{team_id}" in path
    }
    assert sorted(writes) == sorted(TEAM_WRITE_BODIES)
    newcomer = api.member(client, a["organisation"]["id"])
    for (method, path), body in TEAM_WRITE_BODIES.items():
        url = _fill(
            path.replace("{member_id}", a["lead"]["id"]).replace(
                "{period_start:isodate}", "2025-01-06"
            ),
            world,
        )
        payload = {"member_id": newcomer["id"], "role": "member"} if body == "new_member" else body
        (permission,) = _permissions(writes[method, path].dependant)
        for caller in ("coach_b", "lead_b", "member_b", "client_b"):
            headers = {"Authorization": f"Bearer {world['tokens'][caller]}", "If-Match": "*"}
            response = anonymous.request(method, url, headers=headers, json=payload)
            # A function the caller has, on a team out of reach: 404. One they lack: 403.
            expected = 404 if caller.split("_")[0] in ALLOWED[permission.name] else 403
            assert response.status_code == expected, (method, path, caller, response.text)
    own_measure = f"{API}/measures/{a['measure']['id']}"
    coach_b = {"Authorization": f"Bearer {world['tokens']['coach_b']}", "If-Match": "*"}
    assert_problem(anonymous.patch(own_measure, headers=coach_b, json={"name": "Mine"}), 404)
    assert_problem(anonymous.delete(own_measure, headers=coach_b), 404)
