"""Business changes leave a trace: who changed a team's status, coach, organisations or members,
who changed an account or a client; the action filter knows its actions; newest first."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.clock import today
from tests import api
from tests.api import API, assert_problem

EVENTS = f"{API}/audit-events"


def events(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(EVENTS, params={"limit": 200} | params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def patch(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return response.json()


def test_team_changes_are_recorded_with_who_made_them(client: TestClient) -> None:
    me = client.get(f"{API}/me").json()["id"]
    trust, other = api.organisation(client), api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [trust["id"]])
    path = f"{API}/teams/{team['id']}"
    lead = api.member(client, trust["id"])
    coach = api.coach(client, other["id"], team["id"])
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    patch(client, path, {"status": "selected"})
    patch(client, path, {"status": "withdrawn", "organisation_ids": [trust["id"], other["id"]]})
    membership = f"{path}/members/{lead['id']}"
    etag = client.get(membership).headers["etag"]
    assert client.delete(membership, headers={"If-Match": etag}).status_code == 204

    mine = [e for e in events(client, actor=f"user:{me}") if e["subject"] == team["id"]]
    codes = f"{trust['ods_code']} -> {' '.join(sorted([trust['ods_code'], other['ods_code']]))}"
    assert [(e["action"], e["reason"]) for e in mine] == [
        ("team_created", "status applied"),
        ("team_coach_changed", f"coach None -> {coach['id']}"),
        ("membership_added", f"member {lead['id']} as lead"),
        ("team_selected", "applied -> selected"),
        ("team_status_changed", "selected -> withdrawn"),
        ("team_organisations_changed", codes),
        ("membership_ended", f"member {lead['id']} left on {today().isoformat()}"),
    ]
    assert {e["outcome"] for e in mine} == {"success"}


def test_account_and_client_changes_are_recorded(client: TestClient) -> None:
    person = api.member(client, api.organisation(client)["id"])
    account = client.post(f"{API}/accounts", json={"email": person["email"], "role": "member"})
    account_id = account.json()["account"]["id"]
    patch(client, f"{API}/accounts/{account_id}", {"disabled": True})
    made = client.post(f"{API}/clients", json={"name": "ESR feed", "scopes": ["read"]}).json()
    path = f"{API}/clients/{made['client']['id']}"
    etag = client.get(path).headers["etag"]
    assert client.post(f"{path}/secret", headers={"If-Match": etag}).status_code == 200

    about = {account_id, made["client"]["id"]}
    trail = [(e["action"], e["subject"]) for e in events(client) if e["subject"] in about]
    assert trail == [
        ("account_created", account_id),
        ("account_disabled", account_id),
        ("client_created", made["client"]["id"]),
        ("client_secret_rotated", made["client"]["id"]),
    ]
    # Never a secret or a password in the trail.
    dumped = str(events(client))
    assert made["client_secret"] not in dumped
    assert account.json()["temporary_password"] not in dumped


def test_the_action_filter_knows_its_actions(client: TestClient) -> None:
    problem = assert_problem(client.get(EVENTS, params={"action": "team_statsu_changed"}), 422)
    assert problem["errors"][0]["loc"] == ["query", "action"]
    api.organisation(client)
    assert events(client, action="team_status_changed") == []


def test_newest_first_pages_through_every_event_once(client: TestClient) -> None:
    for _ in range(3):
        api.team(client, api.collaborative(client)["id"], [api.organisation(client)["id"]])
    oldest_first = [e["id"] for e in events(client)]
    newest = client.get(EVENTS, params={"order": "newest", "limit": 2})
    seen = [e["id"] for e in newest.json()["items"]]
    cursor = newest.json()["next_cursor"]
    while cursor:
        page = client.get(EVENTS, params={"order": "newest", "limit": 2, "cursor": cursor})
        seen += [e["id"] for e in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    assert seen == list(reversed(oldest_first))
    assert len(seen) >= 3


def test_since_takes_a_plain_date_as_midnight_utc(client: TestClient) -> None:
    api.team(client, api.collaborative(client)["id"], [api.organisation(client)["id"]])
    (created,) = events(client, action="team_created")
    day = date.fromisoformat(created["occurred_at"][:10])  # the UTC date, as stored
    midnight = f"{day}T00:00:00+00:00"

    assert events(client, action="team_created", since=str(day)) == [created]
    assert events(client, since=str(day)) == events(client, since=midnight)
    assert events(client, action="team_created", since=str(day + timedelta(days=1))) == []


@pytest.mark.parametrize(
    "since", ["2026-1-1", "2026-02-30", "yesterday", "0999-12-31", "3000-01-01", "20260101"]
)
def test_since_refuses_what_is_neither_a_date_nor_an_instant(
    client: TestClient, since: str
) -> None:
    problem = assert_problem(client.get(EVENTS, params={"since": since}), 422)
    assert [error["loc"] for error in problem["errors"]] == [["query", "since"]]
