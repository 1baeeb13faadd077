"""The foundation issue's acceptance walk-through, through HTTP only."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem


def test_a_team_with_five_members_a_measure_and_twelve_points(client: TestClient) -> None:
    trust = api.organisation(client, ods_code="RHQ", name="Sheffield Teaching Hospitals")
    collaborative = api.collaborative(client)
    assert collaborative["max_teams"] == 6
    assert collaborative["max_team_size"] == 5
    team = api.team(client, collaborative["id"], [trust["id"]], name="ED nursing")
    members = [
        api.member(client, trust["id"], name=f"Person {n}", email=f"person{n}@example.nhs.uk")
        for n in range(6)
    ]
    assert api.membership(client, team["id"], members[0]["id"], "lead").status_code == 201
    for person in members[1:5]:
        assert api.membership(client, team["id"], person["id"]).status_code == 201
    measure = api.measure(client, team_id=team["id"], code="ENJOY", chart="xmr")
    start = date(2024, 8, 5)
    points = [
        {"period_start": str(start + timedelta(weeks=n)), "value": 40.0 + n} for n in range(12)
    ]
    data_path = f"{API}/teams/{team['id']}/measures/{measure['id']}/data"
    written = client.put(data_path, json={"points": points})
    assert written.status_code == 200, written.text
    assert written.json()["created"] == 12

    # Read everything back.
    assert client.get(f"{API}/organisations/{trust['id']}").json()["ods_code"] == "RHQ"
    assert (
        client.get(f"{API}/collaboratives/{collaborative['id']}").json()["name"]
        == (collaborative["name"])
    )
    read_team = client.get(f"{API}/teams/{team['id']}").json()
    assert read_team["organisation_ids"] == [trust["id"]]
    roster = client.get(f"{API}/teams/{team['id']}/members").json()["items"]
    assert sorted(m["member_id"] for m in roster) == sorted(p["id"] for p in members[:5])
    assert [m["role"] for m in roster].count("lead") == 1
    series = client.get(data_path).json()
    assert [p["value"] for p in series["items"]] == [40.0 + n for n in range(12)]
    assert series["next_cursor"] is None

    # A sixth current member breaks the team-size rule.
    sixth = api.membership(client, team["id"], members[5]["id"])
    assert assert_problem(sixth, 409)["type"].endswith("team-full")

    # A second lead breaks the lead rule (after making room).
    leaver = client.get(f"{API}/teams/{team['id']}/members").json()["items"][4]
    leaver_path = f"{API}/teams/{team['id']}/members/{leaver['member_id']}"
    etag = client.get(leaver_path).headers["ETag"]
    assert client.delete(leaver_path, headers={"If-Match": etag}).status_code == 204
    assert_problem(client.get(leaver_path), 404)
    second_lead = api.membership(client, team["id"], members[5]["id"], "lead")
    assert assert_problem(second_lead, 409)["type"].endswith("second-lead")

    # PATCH without If-Match is 428, with a stale one 412.
    path = f"{API}/teams/{team['id']}"
    assert_problem(client.patch(path, json={"aim": "More joy"}), 428)
    fresh = client.get(path)
    changed = client.patch(
        path, json={"aim": "More joy"}, headers={"If-Match": fresh.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert changed.json()["aim"] == "More joy"
    assert changed.headers["ETag"] != fresh.headers["ETag"]
    stale = client.patch(path, json={"aim": "Less"}, headers={"If-Match": fresh.headers["ETag"]})
    assert_problem(stale, 412)
    assert client.get(path).json()["aim"] == "More joy"

    # An unknown field is 422 and names the field.
    unknown = client.post(
        f"{API}/organisations",
        json={"ods_code": "RFF", "name": "B", "kind": "trust", "colour": "red"},
    )
    problem = assert_problem(unknown, 422)
    assert ["body", "colour"] in [error["loc"] for error in problem["errors"]]

    # A missing id is 404.
    assert_problem(client.get(f"{API}/teams/00000000-0000-4000-8000-000000000000"), 404)

    # A failing batch stores nothing: eleven good points and one bad.
    batch = [
        {"period_start": str(start + timedelta(weeks=20 + n)), "value": 1.0} for n in range(11)
    ] + [{"period_start": "2025-06-02", "value": None}]
    failed = assert_problem(client.put(data_path, json={"points": batch}), 422)
    assert failed["errors"] == [
        {"loc": ["body", "points", 11, "value"], "message": "required for a xmr chart"}
    ]
    after = client.get(data_path, params={"limit": 200}).json()["items"]
    assert len(after) == 12
