"""Teams and their memberships: selection, size and lead rules, leaving and rejoining, filters."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

TEAMS = f"{API}/teams"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _patch(client: TestClient, path: str, body: dict[str, Any], **params: Any) -> Any:
    return client.patch(path, json=body, params=params, headers={"If-Match": _etag(client, path)})


def _leave(client: TestClient, team_id: str, member_id: str) -> Any:
    path = f"{TEAMS}/{team_id}/members/{member_id}"
    return client.delete(path, headers={"If-Match": _etag(client, path)})


def _roster(client: TestClient, team_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{TEAMS}/{team_id}/members", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _setup(client: TestClient, **collaborative: Any) -> tuple[str, str]:
    """An organisation and a collaborative; returns their ids."""
    organisation = api.organisation(client)
    return organisation["id"], api.collaborative(client, **collaborative)["id"]


def _team_with_lead(client: TestClient, collaborative_id: str, org_id: str) -> tuple[str, str]:
    team = api.team(client, collaborative_id, [org_id])
    lead = api.member(client, org_id)
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    return team["id"], lead["id"]


def _select(client: TestClient, team_id: str) -> Any:
    return _patch(client, f"{TEAMS}/{team_id}", {"status": "selected"})


class TestSelection:
    def test_selecting_without_a_lead_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        member = api.member(client, org)
        assert api.membership(client, team["id"], member["id"], "member").status_code == 201
        problem = assert_problem(_select(client, team["id"]), 409)
        assert problem["type"].endswith("team-lead-required")
        assert client.get(f"{TEAMS}/{team['id']}").json()["status"] == "applied"

    def test_selecting_with_one_lead_works(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team_id, _ = _team_with_lead(client, collab, org)
        response = _select(client, team_id)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "selected"
        assert client.get(f"{TEAMS}/{team_id}").json()["status"] == "selected"

    def test_creating_a_selected_team_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        body = {"collaborative_id": collab, "name": "Ward 4", "organisation_ids": [org]}
        problem = assert_problem(client.post(TEAMS, json=body | {"status": "selected"}), 409)
        assert problem["type"].endswith("team-lead-required")
        assert client.get(TEAMS, params={"collaborative_id": collab}).json()["items"] == []

    def test_a_full_collaborative_refuses_another_selection(self, client: TestClient) -> None:
        org, collab = _setup(client, max_teams=1)
        first, _ = _team_with_lead(client, collab, org)
        second, _ = _team_with_lead(client, collab, org)
        assert _select(client, first).status_code == 200
        problem = assert_problem(_select(client, second), 409)
        assert problem["type"].endswith("collaborative-full")
        assert client.get(f"{TEAMS}/{second}").json()["status"] == "applied"


class TestMembershipRules:
    def test_max_team_size_is_honoured(self, client: TestClient) -> None:
        org, collab = _setup(client, max_team_size=2)
        team = api.team(client, collab, [org])
        people = [api.member(client, org) for _ in range(3)]
        for person in people[:2]:
            assert api.membership(client, team["id"], person["id"]).status_code == 201
        problem = assert_problem(api.membership(client, team["id"], people[2]["id"]), 409)
        assert problem["type"].endswith("team-full")
        assert {m["member_id"] for m in _roster(client, team["id"])} == {
            p["id"] for p in people[:2]
        }

    def test_a_second_lead_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team_id, lead = _team_with_lead(client, collab, org)
        other = api.member(client, org)
        problem = assert_problem(api.membership(client, team_id, other["id"], "lead"), 409)
        assert problem["type"].endswith("second-lead")
        assert [m["member_id"] for m in _roster(client, team_id)] == [lead]

    def test_handover_makes_the_old_lead_a_member(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team_id, old = _team_with_lead(client, collab, org)
        assert _select(client, team_id).status_code == 200
        new = api.member(client, org)["id"]
        assert api.membership(client, team_id, new).status_code == 201
        path = f"{TEAMS}/{team_id}/members/{new}"
        response = _patch(client, path, {"role": "lead"}, handover="true")
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "lead"
        roles = {m["member_id"]: m["role"] for m in _roster(client, team_id)}
        assert roles == {old: "member", new: "lead"}

    def test_promoting_without_handover_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team_id, old = _team_with_lead(client, collab, org)
        new = api.member(client, org)["id"]
        assert api.membership(client, team_id, new).status_code == 201
        response = _patch(client, f"{TEAMS}/{team_id}/members/{new}", {"role": "lead"})
        assert assert_problem(response, 409)["type"].endswith("second-lead")
        assert {m["member_id"]: m["role"] for m in _roster(client, team_id)}[old] == "lead"

    def test_the_only_lead_of_a_selected_team_stays(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team_id, lead = _team_with_lead(client, collab, org)
        assert _select(client, team_id).status_code == 200
        path = f"{TEAMS}/{team_id}/members/{lead}"
        demoted = assert_problem(_patch(client, path, {"role": "member"}), 409)
        assert demoted["type"].endswith("team-lead-required")
        removed = assert_problem(_leave(client, team_id, lead), 409)
        assert removed["type"].endswith("team-lead-required")
        current = _roster(client, team_id, current="true")
        assert [(m["member_id"], m["role"], m["left_on"]) for m in current] == [
            (lead, "lead", None)
        ]

    def test_same_member_twice_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        person = api.member(client, org)
        assert api.membership(client, team["id"], person["id"]).status_code == 201
        problem = assert_problem(api.membership(client, team["id"], person["id"]), 409)
        assert problem["type"].endswith("already-member")
        assert len(_roster(client, team["id"])) == 1

    def test_unknown_member_is_422(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        missing = "00000000-0000-4000-8000-000000000000"
        problem = assert_problem(api.membership(client, team["id"], missing), 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "member_id"]]

    def test_leaving_before_joining_is_422_at_left_on(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        person = api.member(client, org)
        body = {"member_id": person["id"], "role": "member"}
        dates = {"joined_on": "2024-09-02", "left_on": "2024-09-01"}
        response = client.post(f"{TEAMS}/{team['id']}/members", json=body | dates)
        problem = assert_problem(response, 422)
        assert problem["errors"] == [
            {"loc": ["body", "left_on"], "message": "left_on must not be before joined_on"}
        ]
        assert _roster(client, team["id"]) == []


class TestLeaving:
    def test_leaving_records_left_on_and_keeps_history(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        stayer, leaver = (api.member(client, org)["id"] for _ in range(2))
        for person in (stayer, leaver):
            assert api.membership(client, team["id"], person).status_code == 201
        assert _leave(client, team["id"], leaver).status_code == 204
        today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
        past = _roster(client, team["id"], current="false")
        assert [(m["member_id"], m["left_on"], m["current"]) for m in past] == [
            (leaver, today, False)
        ]
        assert [m["member_id"] for m in _roster(client, team["id"], current="true")] == [stayer]
        assert len(_roster(client, team["id"])) == 2

    def test_a_member_who_left_can_rejoin(self, client: TestClient) -> None:
        org, collab = _setup(client)
        team = api.team(client, collab, [org])
        person = api.member(client, org)["id"]
        first = api.membership(client, team["id"], person).json()
        assert _leave(client, team["id"], person).status_code == 204
        again = api.membership(client, team["id"], person, "lead")
        assert again.status_code == 201, again.text
        assert again.json()["id"] != first["id"]
        history = _roster(client, team["id"])
        assert [(m["id"], m["role"], m["left_on"] is None) for m in history] == [
            (first["id"], "member", False),
            (again.json()["id"], "lead", True),
        ]


class TestTeams:
    def test_list_filters(self, client: TestClient) -> None:
        org, collab = _setup(client)
        other_org, other_collab = _setup(client)
        selected, _ = _team_with_lead(client, collab, org)
        assert _select(client, selected).status_code == 200
        applied = api.team(client, collab, [org, other_org])["id"]
        elsewhere = api.team(client, other_collab, [other_org])["id"]

        def ids(**params: Any) -> list[str]:
            return [t["id"] for t in client.get(TEAMS, params=params).json()["items"]]

        assert ids(collaborative_id=collab) == [selected, applied]
        assert ids(collaborative_id=collab, status="selected") == [selected]
        assert ids(collaborative_id=collab, status="applied") == [applied]
        assert ids(organisation_id=other_org) == [applied, elsewhere]

    def test_patch_organisation_ids_changes_the_list_and_the_etag(self, client: TestClient) -> None:
        org, collab = _setup(client)
        second = api.organisation(client)["id"]
        team = api.team(client, collab, [org])
        path = f"{TEAMS}/{team['id']}"
        before = _etag(client, path)
        response = client.patch(
            path, json={"organisation_ids": [second]}, headers={"If-Match": before}
        )
        assert response.status_code == 200, response.text
        assert response.json()["organisation_ids"] == [second]
        assert response.headers["ETag"] != before
        assert client.get(path).json()["organisation_ids"] == [second]
        assert_problem(client.patch(path, json={"aim": "x"}, headers={"If-Match": before}), 412)

    def test_duplicate_name_in_the_collaborative_is_409(self, client: TestClient) -> None:
        org, collab = _setup(client)
        _, other_collab = _setup(client)
        api.team(client, collab, [org], name="ED nursing")
        body = {"collaborative_id": collab, "name": "ED nursing", "organisation_ids": [org]}
        problem = assert_problem(client.post(TEAMS, json=body), 409)
        assert problem["type"].endswith("duplicate-team-name")
        elsewhere = client.post(TEAMS, json=body | {"collaborative_id": other_collab})
        assert elsewhere.status_code == 201, elsewhere.text

    def test_unknown_organisation_is_422_at_its_index(self, client: TestClient) -> None:
        org, collab = _setup(client)
        missing = "00000000-0000-4000-8000-000000000000"
        body = {"collaborative_id": collab, "name": "Ward 4", "organisation_ids": [org, missing]}
        problem = assert_problem(client.post(TEAMS, json=body), 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "organisation_ids", 1]]
        assert client.get(TEAMS, params={"collaborative_id": collab}).json()["items"] == []
