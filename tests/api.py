"""Builders that create resources through the HTTP API, with overridable fields."""

import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def organisation(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"ods_code": unique("R"), "name": "Sheffield Teaching Hospitals", "kind": "trust"}
    return _post(client, "/organisations", body | fields)


def collaborative(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Improving staff retention",
        "starts_on": "2024-07-31",
        "ends_on": "2025-09-22",
    }
    return _post(client, "/collaboratives", body | fields)


def team(
    client: TestClient, collaborative_id: str, organisation_ids: list[str], **fields: Any
) -> dict[str, Any]:
    body = {
        "collaborative_id": collaborative_id,
        "name": unique("Team "),
        "organisation_ids": organisation_ids,
    }
    return _post(client, "/teams", body | fields)


def member(client: TestClient, organisation_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Alex Example",
        "email": f"{unique('alex.')}@example.nhs.uk".lower(),
        "organisation_id": organisation_id,
    }
    return _post(client, "/members", body | fields)


def membership(client: TestClient, team_id: str, member_id: str, role: str = "member") -> Any:
    return client.post(
        f"{API}/teams/{team_id}/members",
        json={"member_id": member_id, "role": role, "joined_on": str(date(2024, 7, 31))},
    )


def coach(client: TestClient, organisation_id: str, *team_ids: str) -> dict[str, Any]:
    """A new member made the coach of these teams (the teams' `coach_id`)."""
    person = member(client, organisation_id, name="Casey Coach")
    for team_id in team_ids:
        path = f"{API}/teams/{team_id}"
        etag = client.get(path).headers["etag"]
        changed = client.patch(path, json={"coach_id": person["id"]}, headers={"If-Match": etag})
        assert changed.status_code == 200, changed.text
    return person


def measure_body(**fields: Any) -> dict[str, Any]:
    body = {
        "code": unique("M"),
        "name": "% frequently enjoying work",
        "kind": "outcome",
        "chart": "xmr",
        "improvement_direction": "increase",
        "frequency": "weekly",
    }
    return body | fields


def measure(client: TestClient, **fields: Any) -> dict[str, Any]:
    return _post(client, "/measures", measure_body(**fields))


def replace_list(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    """PUT a list (a register, rebases) with the If-Match its GET names, as a client would."""
    etag = client.get(path).headers["etag"]
    return client.put(path, json=body, headers={"If-Match": etag})


def meeting_body(collaborative_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "collaborative_id": collaborative_id,
        "title": "Learning session 1",
        "kind": "learning_session",
        "starts_at": "2024-09-05T09:30:00+01:00",
        "ends_at": "2024-09-05T16:00:00+01:00",
    }
    return body | fields


def meeting(client: TestClient, collaborative_id: str, **fields: Any) -> dict[str, Any]:
    return _post(client, "/meetings", meeting_body(collaborative_id, **fields))


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"]
    return problem


def assert_oauth_error(response: Any, status: int, error: str) -> str:
    """An RFC 6749 5.2 error with this status: JSON with `error` and `error_description`,
    never cached, with the problem members beside them; returns the description."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert body["error_description"]
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:qi-collaborative:problem:")
    assert body["detail"] == body["error_description"]
    description: str = body["error_description"]
    return description
