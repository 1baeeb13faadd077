"""Lists a PUT replaces whole (a meeting's register, a series' rebases) carry an ETag naming
the whole list, and the PUT needs If-Match with it, as a PATCH does."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem


@dataclass
class ReplacedList:
    path: str
    owner: str  # the path of the resource the list belongs to, which has its own ETag
    first: dict[str, Any]
    second: dict[str, Any]
    key: str  # the field that tells the entries apart
    owner_change: dict[str, Any]  # a PATCH of the owner

    def keys(self, items: list[dict[str, Any]]) -> list[str]:
        return [item[self.key] for item in items]

    def sent(self, body: dict[str, Any]) -> list[str]:
        (entries,) = body.values()
        return sorted(entry[self.key] for entry in entries)


def _register(client: TestClient) -> ReplacedList:
    collaborative = api.collaborative(client)
    organisation = api.organisation(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    people = [api.member(client, organisation["id"])["id"] for _ in range(3)]
    for person in people:
        assert api.membership(client, team["id"], person).status_code == 201
    meeting = api.meeting(client, collaborative["id"])
    return ReplacedList(
        path=f"{API}/meetings/{meeting['id']}/attendance",
        owner=f"{API}/meetings/{meeting['id']}",
        first={"attendance": [{"member_id": p, "status": "present"} for p in people]},
        second={"attendance": [{"member_id": people[0], "status": "apologies"}]},
        key="member_id",
        owner_change={"title": "Learning session 2"},
    )


def _rebases(client: TestClient) -> ReplacedList:
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"])
    base = f"{API}/teams/{team['id']}/measures/{measure['id']}"
    weeks = [str(date(2024, 8, 5) + timedelta(weeks=n)) for n in range(12)]
    points = [{"period_start": week, "value": float(n % 3)} for n, week in enumerate(weeks)]
    assert client.put(f"{base}/data", json={"points": points}).status_code == 200
    return ReplacedList(
        path=f"{base}/rebases",
        owner=f"{API}/teams/{team['id']}",
        first={"rebases": [{"starts_on": weeks[4]}, {"starts_on": weeks[8], "reason": "Rota"}]},
        second={"rebases": [{"starts_on": weeks[6]}]},
        key="starts_on",
        owner_change={"aim": "Fewer falls"},
    )


@pytest.fixture(params=["attendance", "rebases"])
def listed(request: pytest.FixtureRequest, client: TestClient) -> ReplacedList:
    build = _register if request.param == "attendance" else _rebases
    return build(client)


def test_a_put_without_if_match_is_428_and_stores_nothing(
    client: TestClient, listed: ReplacedList
) -> None:
    problem = assert_problem(client.put(listed.path, json=listed.first), 428)
    assert problem["type"].endswith(":if-match-required")
    assert client.get(listed.path).json()["items"] == []


def test_the_current_etag_replaces_and_a_stale_one_is_412(
    client: TestClient, listed: ReplacedList
) -> None:
    empty = client.get(listed.path)
    tag = empty.headers["etag"]
    assert tag.startswith('"attendance-' if "attendance" in listed.path else '"rebases-')
    written = client.put(listed.path, json=listed.first, headers={"If-Match": tag})
    assert written.status_code == 200, written.text
    assert sorted(listed.keys(written.json()["items"])) == listed.sent(listed.first)
    new_tag = written.headers["etag"]
    assert new_tag != tag
    assert client.get(listed.path).headers["etag"] == new_tag

    # Someone who read the empty list sends the old tag: refused, and the list is kept.
    stale = client.put(listed.path, json=listed.second, headers={"If-Match": tag})
    problem = assert_problem(stale, 412)
    assert problem["type"].endswith(":stale-version")
    assert new_tag in problem["detail"]
    kept = client.get(listed.path)
    assert sorted(listed.keys(kept.json()["items"])) == listed.sent(listed.first)
    assert kept.headers["etag"] == new_tag

    replaced = client.put(listed.path, json=listed.second, headers={"If-Match": new_tag})
    assert replaced.status_code == 200, replaced.text
    assert listed.keys(client.get(listed.path).json()["items"]) == listed.sent(listed.second)
    assert replaced.headers["etag"] not in (tag, new_tag)


def test_sending_the_same_list_again_still_changes_its_etag(
    client: TestClient, listed: ReplacedList
) -> None:
    """The rows are replaced (new ids), so the representation, and so the ETag, changes."""
    first = api.replace_list(client, listed.path, listed.first)
    again = api.replace_list(client, listed.path, listed.first)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] != first.headers["etag"]
    assert client.get(listed.path).headers["etag"] == again.headers["etag"]


def test_star_replaces_whatever_is_current(client: TestClient, listed: ReplacedList) -> None:
    assert api.replace_list(client, listed.path, listed.first).status_code == 200
    response = client.put(listed.path, json=listed.second, headers={"If-Match": "*"})
    assert response.status_code == 200, response.text
    assert listed.keys(client.get(listed.path).json()["items"]) == listed.sent(listed.second)


def test_the_list_and_its_owner_never_take_each_others_tags(
    client: TestClient, listed: ReplacedList
) -> None:
    owner_tag = client.get(listed.owner).headers["etag"]
    list_tag = client.get(listed.path).headers["etag"]
    assert owner_tag != list_tag
    wrong = client.put(listed.path, json=listed.first, headers={"If-Match": owner_tag})
    assert_problem(wrong, 412)
    assert client.get(listed.path).json()["items"] == []
    renamed = client.patch(listed.owner, json=listed.owner_change, headers={"If-Match": list_tag})
    assert_problem(renamed, 412)


def test_every_page_of_a_register_names_the_whole_register(client: TestClient) -> None:
    listed = _register(client)
    assert api.replace_list(client, listed.path, listed.first).status_code == 200
    first_page = client.get(listed.path, params={"limit": 1})
    second_page = client.get(
        listed.path, params={"limit": 1, "cursor": first_page.json()["next_cursor"]}
    )
    assert first_page.json()["items"] != second_page.json()["items"]
    tag = first_page.headers["etag"]
    assert second_page.headers["etag"] == tag == client.get(listed.path).headers["etag"]
    # Read a page only, and the tag still replaces the whole register.
    response = client.put(listed.path, json=listed.second, headers={"If-Match": tag})
    assert response.status_code == 200, response.text
