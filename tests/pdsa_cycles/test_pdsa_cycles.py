"""PDSA cycles through HTTP: numbering, the forward-only status and what `done` needs, the
idea's status following its cycles (the latest event wins), the cycles on their measures'
charts (JSON and SVG), and the collaborative's change package."""

from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.clock import today
from tests import api
from tests.api import API, assert_problem
from tests.equality_support import make_people

FIRST_MONDAY = date(2024, 9, 2)


def _post(caller: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = caller.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _patch(caller: TestClient, path: str, body: dict[str, Any]) -> Any:
    etag = caller.get(f"{API}{path}").headers["etag"]
    return caller.patch(f"{API}{path}", json=body, headers={"If-Match": etag})


def _cycle(caller: TestClient, team: str, idea: str, **fields: Any) -> dict[str, Any]:
    body = {"change_idea_id": idea, "title": "Protected breaks", "starts_on": "2024-10-02"}
    return _post(caller, f"/teams/{team}/pdsa-cycles", body | fields)


def _team_with_idea(
    client: TestClient, app: FastAPI, factory: sessionmaker[Session], password_hash: str
) -> tuple[dict[str, Any], str]:
    people = make_people(client, app, factory, password_hash)
    idea = _post(client, f"/teams/{people['team']['id']}/change-ideas", {"title": "Breaks"})
    return people, idea["id"]


def test_cycles_are_numbered_within_their_idea(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    people, idea = _team_with_idea(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    other = _post(client, f"/teams/{team}/change-ideas", {"title": "Rota app"})["id"]
    numbers = [
        _cycle(client, team, idea)["number"],
        _cycle(client, team, idea, starts_on="2024-10-16")["number"],
    ]
    assert numbers == [1, 2]
    assert _cycle(client, team, other)["number"] == 1
    listed = client.get(f"{API}/teams/{team}/pdsa-cycles", params={"change_idea_id": idea})
    assert [c["number"] for c in listed.json()["items"]] == [1, 2]
    foreign = make_people(client, app, session_factory, password_hash)
    stray = client.post(
        f"{API}/teams/{foreign['team']['id']}/pdsa-cycles",
        json={"change_idea_id": idea, "title": "Not ours", "starts_on": "2024-10-02"},
    )
    assert assert_problem(stray, 422)["errors"][0]["loc"] == ["body", "change_idea_id"]
    # Another team's people do not reach this team's cycles: as if absent.
    cycle = listed.json()["items"][0]["id"]
    outsider = foreign["headers"]["alice"]
    assert_problem(client.get(f"{API}/pdsa-cycles/{cycle}", headers=outsider), 404)
    stranger = client.patch(
        f"{API}/pdsa-cycles/{cycle}",
        json={"title": "Ours now"},
        headers=outsider | {"If-Match": "*"},
    )
    assert_problem(stranger, 404)
    assert client.get(f"{API}/pdsa-cycles/{cycle}").json()["title"] == "Protected breaks"


def test_done_needs_study_and_decision_and_the_status_only_moves_forward(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    people, idea = _team_with_idea(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    cycle = _cycle(client, team, idea, prediction="Fewer missed breaks within a month.")
    path = f"/pdsa-cycles/{cycle['id']}"
    early = _patch(client, path, {"status": "done"})
    problem = assert_problem(early, 409)
    assert problem["type"].endswith(":cycle-incomplete")
    assert "study and decision" in problem["detail"]
    half = _patch(client, path, {"status": "done", "study": "Breaks taken rose from 40% to 70%."})
    assert "its decision" in assert_problem(half, 409)["detail"]
    assert client.get(f"{API}{path}").json()["status"] == "planned"
    born_done = client.post(
        f"{API}/teams/{team}/pdsa-cycles",
        json={"change_idea_id": idea, "title": "x", "starts_on": "2024-10-02", "status": "done"},
    )
    assert assert_problem(born_done, 409)["type"].endswith(":cycle-incomplete")
    backwards_dates = _patch(client, path, {"ends_on": "2024-09-30"})
    assert assert_problem(backwards_dates, 422)["errors"][0]["loc"] == ["body", "ends_on"]

    assert _patch(client, path, {"status": "doing"}).status_code == 200
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "testing"
    finished = _patch(
        client,
        path,
        {
            "status": "done",
            "ends_on": "2024-10-30",
            "study": "Breaks taken rose from 40% to 70%; the prediction held.",
            "decision": "adopt",
        },
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["decided_on"] == str(today())
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "adopted"
    back = _patch(client, path, {"status": "studying"})
    assert assert_problem(back, 409)["type"].endswith(":invalid-status-transition")


def test_the_latest_event_sets_the_ideas_status(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    people, idea = _team_with_idea(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    done = {"status": "done", "study": "It worked.", "decision": "adopt"}
    _cycle(client, team, idea, **done)
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "adopted"
    # A person sets it by hand later: that stands...
    assert _patch(client, f"/change-ideas/{idea}", {"status": "adapted"}).status_code == 200
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "adapted"
    # ... until a cycle finishes after it.
    second = _cycle(client, team, idea, status="studying")
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "adapted"
    finished = _patch(client, f"/pdsa-cycles/{second['id']}", done | {"decision": "abandon"})
    assert finished.status_code == 200, finished.text
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "abandoned"
    third = _cycle(client, team, idea, **(done | {"decision": "adapt"}))
    assert third["number"] == 3
    assert client.get(f"{API}/change-ideas/{idea}").json()["status"] == "testing"


def test_cycles_show_on_their_measures_charts(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    people, idea = _team_with_idea(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    measure = api.measure(client, collaborative_id=people["team"]["collaborative_id"])
    other = api.measure(client, collaborative_id=people["team"]["collaborative_id"])
    points = [
        {"period_start": str(FIRST_MONDAY + timedelta(weeks=n)), "value": 40.0 + (n % 3)}
        for n in range(16)
    ]
    path = f"{API}/teams/{team}/measures/{measure['id']}"
    assert client.put(f"{path}/data", json={"points": points}).status_code == 200
    # Starts on a Wednesday of the sixth week; decided on the Tuesday of the tenth.
    cycle = _cycle(
        client,
        team,
        idea,
        title="Protected breaks",
        measure_ids=[measure["id"]],
        starts_on="2024-10-09",
        ends_on="2024-11-05",
        status="done",
        study="Breaks taken rose from 40% to 70%.",
        decision="adopt",
    )
    # A cycle starting after the last point's week, and one watching another measure, do not.
    _cycle(client, team, idea, measure_ids=[measure["id"]], starts_on="2025-03-03")
    _cycle(client, team, idea, measure_ids=[other["id"]], starts_on="2024-10-09")
    chart = client.get(f"{path}/chart")
    assert chart.status_code == 200, chart.text
    assert chart.json()["annotations"] == [
        {
            "date": "2024-10-09",
            "kind": "pdsa_start",
            "text": "PDSA 1: Protected breaks",
            "pdsa_cycle_id": cycle["id"],
        },
        {
            "date": "2024-11-05",
            "kind": "pdsa_decision",
            "text": "PDSA 1: Protected breaks adopted",
            "pdsa_cycle_id": cycle["id"],
        },
    ]
    svg = client.get(f"{path}/chart", headers={"Accept": "image/svg+xml"})
    assert svg.status_code == 200, svg.text
    drawn = svg.text
    # Numbered markers on the weeks holding each date, and the legend's texts.
    assert "1. 2024-10-07: PDSA 1: Protected breaks</title>" in drawn
    assert "2. 2024-11-04: PDSA 1: Protected breaks adopted</title>" in drawn
    assert drawn.count("PDSA 1: Protected breaks adopted") == 2  # the marker and the legend
    filtered = client.get(f"{API}/teams/{team}/pdsa-cycles", params={"measure_id": measure["id"]})
    assert [c["starts_on"] for c in filtered.json()["items"]] == ["2024-10-09", "2025-03-03"]
    foreign = client.post(
        f"{API}/teams/{team}/pdsa-cycles",
        json={
            "change_idea_id": idea,
            "title": "x",
            "starts_on": "2024-10-02",
            "measure_ids": [
                api.measure(client, collaborative_id=api.collaborative(client)["id"])["id"]
            ],
        },
    )
    assert assert_problem(foreign, 422)["errors"][0]["loc"] == ["body", "measure_ids", 0]


def _selected(client: TestClient, team_id: str) -> None:
    etag = client.get(f"{API}/teams/{team_id}").headers["etag"]
    response = client.patch(
        f"{API}/teams/{team_id}", json={"status": "selected"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.text


def _diagram(client: TestClient, team_id: str, titles: list[str]) -> list[str]:
    path = f"{API}/teams/{team_id}/driver-diagram"
    etag = client.get(path).headers["etag"]
    body = {
        "primary_drivers": [
            {"title": "Support", "secondary_drivers": [{"title": title} for title in titles]}
        ]
    }
    response = client.put(path, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["primary_drivers"][0]["secondary_drivers"]]


def test_the_change_package_groups_shared_ideas_by_driver_across_teams(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    first = make_people(client, app, session_factory, password_hash)
    cid = first["team"]["collaborative_id"]
    second_team = api.team(client, cid, [first["organisation"]["id"]])
    lead = api.member(client, first["organisation"]["id"])
    assert api.membership(client, second_team["id"], lead["id"], "lead").status_code == 201
    teams = [first["team"]["id"], second_team["id"]]
    for team in teams:
        _selected(client, team)
    breaks_a, rota_a = _diagram(client, teams[0], ["Protected breaks", "Rotas"])
    (breaks_b,) = _diagram(client, teams[1], ["PROTECTED BREAKS"])

    def idea(team: str, title: str, **fields: Any) -> str:
        ident: str = _post(client, f"/teams/{team}/change-ideas", {"title": title} | fields)["id"]
        return ident

    buddies = idea(teams[0], "Break buddies", driver_id=breaks_a, shared=True)
    idea(teams[0], "Private idea", driver_id=rota_a)  # not shared: not in the package
    rota = idea(teams[0], "Self-rostering", driver_id=rota_a, shared=True)
    room = idea(teams[1], "A rest room", driver_id=breaks_b, shared=True)
    loose = idea(teams[1], "Thank-you cards", shared=True)
    _cycle(client, teams[0], buddies, status="done", study="Worked.", decision="adopt")
    _cycle(client, teams[0], buddies, starts_on="2024-11-06")

    package = client.get(f"{API}/collaboratives/{cid}/change-package")
    assert package.status_code == 200, package.text
    groups = package.json()["groups"]
    assert [g["driver"] for g in groups] == ["Protected breaks", "Rotas", None]
    # Within a group, by team name.
    breaks = sorted(
        [(first["team"]["name"], buddies), (second_team["name"], room)], key=lambda pair: pair[0]
    )
    assert [[i["id"] for i in g["ideas"]] for g in groups] == [
        [ident for _, ident in breaks],
        [rota],
        [loose],
    ]
    (first_idea,) = [i for i in groups[0]["ideas"] if i["id"] == buddies]
    assert (first_idea["status"], first_idea["cycles"], first_idea["latest_decision"]) == (
        "adopted",
        2,
        "adopt",
    )
    assert first_idea["team_name"] == first["team"]["name"]
    assert [i["cycles"] for i in groups[0]["ideas"] if i["id"] == room] == [0]
