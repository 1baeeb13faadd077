"""The team status state machine, and the team statuses each collaborative status allows."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.collaboratives.statuses import TRANSITIONS, TeamStatus
from tests import api
from tests.api import API, assert_problem

TEAMS = f"{API}/teams"
COLLABORATIVES = f"{API}/collaboratives"

# The allowed moves that take a new team (applied) to each status.
ROUTE: dict[str, list[str]] = {
    "applied": [],
    "selected": ["selected"],
    "active": ["selected", "active"],
    "completed": ["selected", "active", "completed"],
    "withdrawn": ["withdrawn"],
    "declined": ["declined"],
}
ALLOWED = [(before, after) for before, targets in TRANSITIONS.items() for after in targets]
REFUSED = [
    (before, after)
    for before in TeamStatus
    for after in TeamStatus
    if after != before and after not in TRANSITIONS[before]
]


def _patch(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    etag = client.get(path).headers["ETag"]
    return client.patch(path, json=body, headers={"If-Match": etag})


def _team(client: TestClient, collaborative_id: str, status: str) -> str:
    """A team with one lead, moved along allowed steps to `status`; returns its path."""
    organisation = api.organisation(client)
    team = api.team(client, collaborative_id, [organisation["id"]])
    lead = api.member(client, organisation["id"])
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    path = f"{TEAMS}/{team['id']}"
    for step in ROUTE[status]:
        response = _patch(client, path, {"status": step})
        assert response.status_code == 200, response.text
    return path


def _status(client: TestClient, path: str) -> str:
    status: str = client.get(path).json()["status"]
    return status


class TestTransitions:
    @pytest.mark.parametrize(("before", "after"), ALLOWED, ids=[f"{b}->{a}" for b, a in ALLOWED])
    def test_every_allowed_transition_works(
        self, client: TestClient, before: str, after: str
    ) -> None:
        collaborative = api.collaborative(client, status="running")
        path = _team(client, collaborative["id"], before)
        response = _patch(client, path, {"status": after})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == after
        assert _status(client, path) == after

    @pytest.mark.parametrize(
        ("before", "after", "allowed"),
        [
            ("applied", "completed", "`selected`, `declined` or `withdrawn`"),
            ("declined", "active", "`applied`"),
            ("withdrawn", "selected", "`applied`"),
        ],
    )
    def test_the_transitions_from_the_issue_are_409_naming_the_allowed_targets(
        self, client: TestClient, before: str, after: str, allowed: str
    ) -> None:
        collaborative = api.collaborative(client, status="running")
        path = _team(client, collaborative["id"], before)
        problem = assert_problem(_patch(client, path, {"status": after}), 409)
        assert problem["type"].endswith(":invalid-status-transition")
        assert problem["detail"] == (
            f"A team cannot go from `{before}` to `{after}`; from `{before}` it may go to"
            f" {allowed}."
        )
        assert _status(client, path) == before

    @pytest.mark.parametrize(("before", "after"), REFUSED, ids=[f"{b}->{a}" for b, a in REFUSED])
    def test_every_other_transition_is_409(
        self, client: TestClient, before: str, after: str
    ) -> None:
        collaborative = api.collaborative(client, status="running")
        path = _team(client, collaborative["id"], before)
        problem = assert_problem(_patch(client, path, {"status": after}), 409)
        assert problem["type"].endswith(":invalid-status-transition")
        assert f"from `{before}` to `{after}`" in problem["detail"]
        assert _status(client, path) == before

    def test_completed_is_final(self, client: TestClient) -> None:
        collaborative = api.collaborative(client, status="running")
        path = _team(client, collaborative["id"], "completed")
        problem = assert_problem(_patch(client, path, {"status": "active"}), 409)
        assert problem["detail"].endswith("from `completed` it may go to none.")

    @pytest.mark.parametrize("status", list(ROUTE))
    def test_sending_the_current_status_changes_nothing(
        self, client: TestClient, status: str
    ) -> None:
        collaborative = api.collaborative(client, status="running")
        path = _team(client, collaborative["id"], status)
        response = _patch(client, path, {"status": status, "aim": "Fewer falls"})
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["aim"]) == (status, "Fewer falls")


class TestCollaborativeStatus:
    def test_a_team_cannot_be_active_while_the_collaborative_is_planning(
        self, client: TestClient
    ) -> None:
        collaborative = api.collaborative(client)
        assert collaborative["status"] == "planning"
        path = _team(client, collaborative["id"], "selected")
        problem = assert_problem(_patch(client, path, {"status": "active"}), 409)
        assert problem["type"].endswith(":collaborative-status")
        assert problem["detail"] == (
            "The collaborative is `planning`; a team may be `active` only while it is `running`."
        )
        assert _status(client, path) == "selected"

    def test_teams_are_selected_before_the_collaborative_runs(self, client: TestClient) -> None:
        for status in ("planning", "recruiting"):
            collaborative = api.collaborative(client, status=status)
            path = _team(client, collaborative["id"], "selected")
            assert _status(client, path) == "selected"

    def test_a_completed_collaborative_takes_no_new_teams(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client, status="completed")
        body = {
            "collaborative_id": collaborative["id"],
            "name": "Late team",
            "organisation_ids": [organisation["id"]],
        }
        problem = assert_problem(client.post(TEAMS, json=body), 409)
        assert problem["type"].endswith(":collaborative-status")
        assert problem["detail"] == (
            "The collaborative is `completed`; a team may be `applied` only while it is"
            " `planning`, `recruiting` or `running`."
        )
        listed = client.get(TEAMS, params={"collaborative_id": collaborative["id"]}).json()
        assert listed["items"] == []


class TestChangingTheCollaborative:
    def test_back_to_planning_with_active_teams_is_409(self, client: TestClient) -> None:
        collaborative = api.collaborative(client, status="running")
        paths = [_team(client, collaborative["id"], s) for s in ("active", "active", "completed")]
        _team(client, collaborative["id"], "selected")
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        problem = assert_problem(_patch(client, path, {"status": "planning"}), 409)
        assert problem["type"].endswith(":team-statuses")
        assert problem["detail"] == (
            "The collaborative cannot become `planning`: 2 teams are `active`, 1 team is"
            " `completed`; while it is `planning` its teams may only be `applied`, `selected`,"
            " `withdrawn` or `declined`. Change those teams first."
        )
        assert _status(client, path) == "running"
        assert [_status(client, p) for p in paths] == ["active", "active", "completed"]

    def test_completing_waits_for_every_team_to_finish(self, client: TestClient) -> None:
        collaborative = api.collaborative(client, status="running")
        active = _team(client, collaborative["id"], "active")
        applied = _team(client, collaborative["id"], "applied")
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        problem = assert_problem(_patch(client, path, {"status": "completed"}), 409)
        assert "1 team is `applied`, 1 team is `active`" in problem["detail"]
        assert _patch(client, active, {"status": "completed"}).status_code == 200
        assert _patch(client, applied, {"status": "declined"}).status_code == 200
        response = _patch(client, path, {"status": "completed"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "completed"

    def test_starting_with_selected_teams_works(self, client: TestClient) -> None:
        collaborative = api.collaborative(client, status="recruiting")
        team = _team(client, collaborative["id"], "selected")
        path = f"{COLLABORATIVES}/{collaborative['id']}"
        response = _patch(client, path, {"status": "running"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "running"
        response = _patch(client, team, {"status": "active"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "active"


def test_the_api_description_gives_the_table(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    description = schemas["TeamUpdate"]["properties"]["status"]["description"]
    assert description.startswith("Admins only. Allowed changes: `applied` -> `selected`,")
    assert "`withdrawn` -> `applied`; `declined` -> `applied`; `completed` is final." in description
    assert "`active` only while the collaborative is `running`;" in description
    assert "team-statuses" in schemas["CollaborativeUpdate"]["properties"]["status"]["description"]
