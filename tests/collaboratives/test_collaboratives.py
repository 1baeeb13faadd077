"""Collaboratives: defaults, dates, the max_teams rule on PATCH, and DELETE."""

from typing import Any

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

COLLABORATIVES = f"{API}/collaboratives"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _patch(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, json=body, headers={"If-Match": _etag(client, path)})


def _selected_team(client: TestClient, collaborative_id: str, organisation_id: str) -> str:
    """A team with a lead, moved to `selected`; returns its id."""
    team = api.team(client, collaborative_id, [organisation_id])
    lead = api.member(client, organisation_id)
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    response = _patch(client, f"{API}/teams/{team['id']}", {"status": "selected"})
    assert response.status_code == 200, response.text
    return str(team["id"])


class TestCreate:
    def test_defaults(self, client: TestClient) -> None:
        response = client.post(
            COLLABORATIVES,
            json={"name": "Retention", "starts_on": "2024-07-31", "ends_on": "2025-09-22"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["max_teams"] == 6
        assert body["max_team_size"] == 5
        assert body["status"] == "planning"
        assert body["timezone"] == "Europe/London"
        assert body["starts_on"] == "2024-07-31"
        assert body["ends_on"] == "2025-09-22"
        assert response.headers["Location"].endswith(f"/collaboratives/{body['id']}")
        assert response.headers["ETag"] == f'"{body["id"]}-1"'

    def test_explicit_limits_are_kept(self, client: TestClient) -> None:
        created = api.collaborative(client, max_teams=2, max_team_size=8, region="Yorkshire")
        read = client.get(f"{COLLABORATIVES}/{created['id']}").json()
        assert (read["max_teams"], read["max_team_size"], read["region"]) == (2, 8, "Yorkshire")

    def test_ends_before_it_starts_is_422(self, client: TestClient) -> None:
        response = client.post(
            COLLABORATIVES,
            json={"name": "Backwards", "starts_on": "2025-01-10", "ends_on": "2025-01-09"},
        )
        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "ends_on"]]

    def test_one_day_collaborative_is_allowed(self, client: TestClient) -> None:
        created = api.collaborative(client, starts_on="2025-01-10", ends_on="2025-01-10")
        assert created["starts_on"] == created["ends_on"] == "2025-01-10"

    def test_max_teams_of_zero_is_422(self, client: TestClient) -> None:
        response = client.post(
            COLLABORATIVES,
            json={"name": "X", "starts_on": "2025-01-01", "ends_on": "2025-02-01", "max_teams": 0},
        )
        problem = assert_problem(response, 422)
        assert ["body", "max_teams"] in [error["loc"] for error in problem["errors"]]

    def test_whole_numbers_written_with_a_fraction_of_zero_are_whole(
        self, client: TestClient
    ) -> None:
        """JSON Schema's `integer` includes 27.0, which a JavaScript client may send for 27."""
        body = {"name": "X", "starts_on": "2025-01-01", "ends_on": "2025-02-01"}
        response = client.post(COLLABORATIVES, json=body | {"max_teams": 27.0})
        assert response.status_code == 201, response.text
        assert response.json()["max_teams"] == 27
        assert '"max_teams":27,' in response.text
        path = f"{COLLABORATIVES}/{response.json()['id']}"
        patched = _patch(client, path, {"max_team_size": 8.0})
        assert patched.status_code == 200, patched.text
        assert client.get(path).json()["max_team_size"] == 8

    def test_a_fraction_is_not_a_whole_number(self, client: TestClient) -> None:
        body = {"name": "X", "starts_on": "2025-01-01", "ends_on": "2025-02-01"}
        for sent in (27.5, "27", True):
            response = client.post(COLLABORATIVES, json=body | {"max_teams": sent})
            problem = assert_problem(response, 422)
            assert [error["loc"] for error in problem["errors"]] == [["body", "max_teams"]], sent


class TestUpdate:
    def test_changes_only_sent_fields(self, client: TestClient) -> None:
        created = api.collaborative(client, aim="Keep staff", max_teams=4)
        path = f"{COLLABORATIVES}/{created['id']}"
        response = _patch(client, path, {"status": "running"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "running"
        assert (body["aim"], body["max_teams"], body["name"]) == ("Keep staff", 4, created["name"])
        assert body["version"] == created["version"] + 1

    def test_ends_on_before_stored_starts_on_is_422(self, client: TestClient) -> None:
        created = api.collaborative(client, starts_on="2024-07-31", ends_on="2025-09-22")
        path = f"{COLLABORATIVES}/{created['id']}"
        problem = assert_problem(_patch(client, path, {"ends_on": "2024-07-01"}), 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "ends_on"]]
        assert client.get(path).json()["ends_on"] == "2025-09-22"

    def test_max_teams_below_selected_teams_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client, max_teams=3)
        for _ in range(2):
            _selected_team(client, collaborative["id"], organisation["id"])
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        problem = assert_problem(_patch(client, path, {"max_teams": 1}), 409)
        assert problem["type"].endswith("max-teams")
        assert client.get(path).json()["max_teams"] == 3
        lowered = _patch(client, path, {"max_teams": 2})
        assert lowered.status_code == 200, lowered.text
        assert lowered.json()["max_teams"] == 2

    def test_max_team_size_below_a_teams_current_members_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client, max_team_size=3)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        for _ in range(3):
            person = api.member(client, organisation["id"])
            assert api.membership(client, team["id"], person["id"]).status_code == 201
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        # Lowering the limit would leave the team with more current members than allowed.
        assert_problem(_patch(client, path, {"max_team_size": 2}), 409)
        assert client.get(path).json()["max_team_size"] == 3

    def test_applied_teams_do_not_hold_places(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client, max_teams=3)
        for _ in range(3):
            api.team(client, collaborative["id"], [organisation["id"]])
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        response = _patch(client, path, {"max_teams": 1})
        assert response.status_code == 200, response.text
        assert response.json()["max_teams"] == 1

    def test_without_if_match_is_428(self, client: TestClient) -> None:
        created = api.collaborative(client, name="Unchanged")
        path = f"{COLLABORATIVES}/{created['id']}"
        assert_problem(client.patch(path, json={"name": "Changed"}), 428)
        assert client.get(path).json()["name"] == "Unchanged"


class TestDelete:
    def test_empty_collaborative_is_removed(self, client: TestClient) -> None:
        created = api.collaborative(client)
        path = f"{COLLABORATIVES}/{created['id']}"
        response = client.delete(path, headers={"If-Match": _etag(client, path)})
        assert response.status_code == 204
        assert_problem(client.get(path), 404)

    def test_collaborative_with_a_team_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        response = client.delete(path, headers={"If-Match": _etag(client, path)})
        assert assert_problem(response, 409)["type"].endswith("still-referenced")
        assert client.get(path).json()["id"] == collaborative["id"]
        assert (
            client.get(f"{API}/teams/{team['id']}").json()["collaborative_id"]
            == (collaborative["id"])
        )

    def test_stale_if_match_is_412(self, client: TestClient) -> None:
        created = api.collaborative(client)
        path = f"{COLLABORATIVES}/{created['id']}"
        stale = _etag(client, path)
        assert _patch(client, path, {"region": "North"}).status_code == 200
        assert_problem(client.delete(path, headers={"If-Match": stale}), 412)
        assert client.get(path).json()["region"] == "North"


class TestList:
    def test_filter_by_status(self, client: TestClient) -> None:
        planning = api.collaborative(client)
        running = api.collaborative(client, status="running")
        items = client.get(COLLABORATIVES, params={"status": "running"}).json()["items"]
        ids = {item["id"] for item in items}
        assert running["id"] in ids
        assert planning["id"] not in ids
