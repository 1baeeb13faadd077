"""Change ideas and driver diagrams through HTTP: who writes them, the tree kept by its ids,
and ideas losing a driver a PUT removes."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api import API, assert_problem
from tests.equality_support import make_people


def _idea(
    caller: TestClient, team_id: str, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return caller.post(f"{API}/teams/{team_id}/change-ideas", json=body, headers=headers)


def _put_diagram(caller: TestClient, team_id: str, body: dict[str, Any], etag: str | None) -> Any:
    headers = {"If-Match": etag} if etag else {}
    return caller.put(f"{API}/teams/{team_id}/driver-diagram", json=body, headers=headers)


def test_a_team_writes_its_ideas_and_other_teams_do_not_see_them(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    headers = people["headers"]
    made = _idea(
        client,
        team,
        headers["bob"],
        title="Self-rostering pilot",
        origin="staff_suggestion",
        theme="Flexible working",
        external_refs=[{"system": "improvewell", "ref": "IW-4411"}],
    )
    assert made.status_code == 201, made.text
    idea = made.json()
    assert made.headers["location"] == f"/api/v1/change-ideas/{idea['id']}"
    assert (idea["status"], idea["shared"], idea["origin"], idea["driver_id"]) == (
        "proposed",
        False,
        "staff_suggestion",
        None,
    )
    assert idea["external_refs"] == [{"system": "improvewell", "ref": "IW-4411"}]
    path = f"{API}/change-ideas/{idea['id']}"
    read = client.get(path, headers=headers["coach"])
    assert read.status_code == 200, read.text
    changed = client.patch(
        path,
        json={"shared": True, "status": "testing"},
        headers=headers["alice"] | {"If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["shared"], changed.json()["status"]) == (True, "testing")
    listed = client.get(f"{API}/teams/{team}/change-ideas", params={"shared": True})
    assert [i["id"] for i in listed.json()["items"]] == [idea["id"]]
    assert (
        client.get(f"{API}/teams/{team}/change-ideas", params={"status": "adopted"}).json()["items"]
        == []
    )

    other = make_people(client, app, session_factory, password_hash)["headers"]
    assert_problem(client.get(path, headers=other["alice"]), 404)
    stranger = client.patch(
        path, json={"title": "Mine now"}, headers=other["alice"] | {"If-Match": "*"}
    )
    assert_problem(stranger, 404)
    assert_problem(_idea(client, team, other["alice"], title="Borrowed"), 404)
    # A trust's machine client reads the team's ideas but does not write them.
    assert client.get(path, headers=headers["client"]).status_code == 200
    assert_problem(_idea(client, team, headers["client"], title="From a machine"), 403)

    etag = client.get(path).headers["etag"]
    assert client.delete(path, headers={"If-Match": etag}).status_code == 204
    assert_problem(client.get(path), 404)


def test_the_driver_diagram_is_replaced_whole_and_keeps_nodes_by_id(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    path = f"{API}/teams/{team}/driver-diagram"
    empty = client.get(path)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"team_id": team, "aim": None, "primary_drivers": []}
    assert_problem(_put_diagram(client, team, {"aim": "x"}, None), 428)
    body = {
        "aim": "Fewer newly qualified nurses leave in their first year",
        "primary_drivers": [
            {
                "title": "Feeling supported",
                "secondary_drivers": [{"title": "Preceptorship"}, {"title": "Protected breaks"}],
            },
            {"title": "Flexible working", "secondary_drivers": [{"title": "Self-rostering"}]},
        ],
    }
    first = _put_diagram(client, team, body, empty.headers["etag"])
    assert first.status_code == 200, first.text
    tree = first.json()
    assert [p["title"] for p in tree["primary_drivers"]] == [
        "Feeling supported",
        "Flexible working",
    ]
    breaks = tree["primary_drivers"][0]["secondary_drivers"][1]
    rota = tree["primary_drivers"][1]["secondary_drivers"][0]
    assert_problem(_put_diagram(client, team, body, empty.headers["etag"]), 412)

    on_breaks = _idea(client, team, title="Break buddies", driver_id=breaks["id"]).json()
    on_rota = _idea(client, team, title="Team rota app", driver_id=rota["id"]).json()
    primary = tree["primary_drivers"][0]["id"]
    wrong = _idea(client, team, title="On a primary", driver_id=primary)
    assert assert_problem(wrong, 422)["errors"][0]["loc"] == ["body", "driver_id"]
    read = client.get(path)
    assert read.json()["primary_drivers"][0]["secondary_drivers"][1]["change_idea_ids"] == [
        on_breaks["id"]
    ]

    # Keep "Feeling supported" and "Protected breaks" by id (renamed), drop the rest.
    second = _put_diagram(
        client,
        team,
        {
            "aim": body["aim"],
            "primary_drivers": [
                {
                    "id": primary,
                    "title": "Feeling supported at work",
                    "secondary_drivers": [{"id": breaks["id"], "title": "Breaks protected"}],
                }
            ],
        },
        read.headers["etag"],
    )
    assert second.status_code == 200, second.text
    kept = second.json()["primary_drivers"]
    assert [(p["id"], p["title"]) for p in kept] == [(primary, "Feeling supported at work")]
    assert kept[0]["secondary_drivers"] == [
        {"id": breaks["id"], "title": "Breaks protected", "change_idea_ids": [on_breaks["id"]]}
    ]
    assert client.get(f"{API}/change-ideas/{on_rota['id']}").json()["driver_id"] is None
    assert client.get(f"{API}/change-ideas/{on_breaks['id']}").json()["driver_id"] == breaks["id"]

    # An id that is not the team's, or at another level, names the node.
    stray = _put_diagram(
        client,
        team,
        {"primary_drivers": [{"id": breaks["id"], "title": "Promoted"}]},
        second.headers["etag"],
    )
    assert assert_problem(stray, 422)["errors"][0]["loc"] == ["body", "primary_drivers", 0, "id"]
