"""Members: the work email key, filters, and deleting with or without history (erasure)."""

from typing import Any

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

MEMBERS = f"{API}/members"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _delete(client: TestClient, member_id: str, **params: Any) -> Any:
    path = f"{MEMBERS}/{member_id}"
    return client.delete(path, params=params, headers={"If-Match": _etag(client, path)})


def _meeting(client: TestClient, collaborative_id: str) -> str:
    response = client.post(
        f"{API}/meetings",
        json={
            "collaborative_id": collaborative_id,
            "title": "Learning session 1",
            "kind": "learning_session",
            "starts_at": "2024-09-05T09:30:00+01:00",
            "ends_at": "2024-09-05T16:00:00+01:00",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestCreate:
    def test_email_is_lower_cased(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        response = client.post(
            MEMBERS,
            json={
                "name": "Sam Patel",
                "email": "Sam.Patel@NHS.net",
                "organisation_id": organisation["id"],
                "band": "6",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["email"] == "sam.patel@nhs.net"
        assert (body["name"], body["band"]) == ("Sam Patel", "6")
        assert response.headers["Location"].endswith(f"/members/{body['id']}")
        assert client.get(f"{MEMBERS}/{body['id']}").json()["email"] == "sam.patel@nhs.net"

    def test_email_is_unique_regardless_of_case(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        first = api.member(client, organisation["id"], email="sam.patel@nhs.net")
        response = client.post(
            MEMBERS,
            json={
                "name": "Other",
                "email": "SAM.PATEL@nhs.net",
                "organisation_id": first["organisation_id"],
            },
        )
        assert assert_problem(response, 409)["type"].endswith("duplicate-email")
        listed = client.get(MEMBERS, params={"organisation_id": organisation["id"]}).json()
        assert [item["id"] for item in listed["items"]] == [first["id"]]

    def test_invalid_email_is_422(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        response = client.post(
            MEMBERS,
            json={"name": "Sam", "email": "not-an-email", "organisation_id": organisation["id"]},
        )
        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "email"]]

    def test_unknown_organisation_is_422(self, client: TestClient) -> None:
        response = client.post(
            MEMBERS,
            json={
                "name": "Sam",
                "email": "sam@example.nhs.uk",
                "organisation_id": "00000000-0000-4000-8000-000000000000",
            },
        )
        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "organisation_id"]]

    def test_patch_to_an_email_in_use_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        api.member(client, organisation["id"], email="taken@nhs.net")
        other = api.member(client, organisation["id"], email="free@nhs.net")
        path = f"{MEMBERS}/{other['id']}"
        response = client.patch(
            path, json={"email": "Taken@NHS.net"}, headers={"If-Match": _etag(client, path)}
        )
        assert assert_problem(response, 409)["type"].endswith("duplicate-email")
        assert client.get(path).json()["email"] == "free@nhs.net"


class TestList:
    def test_filter_by_email_ignores_case(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        wanted = api.member(client, organisation["id"], email="jo.bloggs@nhs.net")
        api.member(client, organisation["id"], email="jo.other@nhs.net")
        found = client.get(MEMBERS, params={"email": "Jo.Bloggs@NHS.NET"}).json()
        assert [item["id"] for item in found["items"]] == [wanted["id"]]

    def test_filter_by_organisation(self, client: TestClient) -> None:
        mine = api.organisation(client)
        theirs = api.organisation(client)
        member = api.member(client, mine["id"])
        api.member(client, theirs["id"])
        found = client.get(MEMBERS, params={"organisation_id": mine["id"]}).json()["items"]
        assert [item["id"] for item in found] == [member["id"]]


class TestDelete:
    def test_member_without_history_is_removed(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        member = api.member(client, organisation["id"])
        response = _delete(client, member["id"])
        assert response.status_code == 204
        assert_problem(client.get(f"{MEMBERS}/{member['id']}"), 404)

    def test_without_if_match_is_428(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        member = api.member(client, organisation["id"])
        assert_problem(client.delete(f"{MEMBERS}/{member['id']}"), 428)
        assert client.get(f"{MEMBERS}/{member['id']}").status_code == 200

    def test_member_with_history_is_409(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        member = api.member(client, organisation["id"])
        assert api.membership(client, team["id"], member["id"]).status_code == 201
        problem = assert_problem(_delete(client, member["id"]), 409)
        assert problem["type"].endswith("member-has-history")
        assert client.get(f"{MEMBERS}/{member['id']}").status_code == 200
        roster = client.get(f"{API}/teams/{team['id']}/members").json()["items"]
        assert [m["member_id"] for m in roster] == [member["id"]]

    def test_erase_removes_the_member_memberships_and_attendance(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        erased = api.member(client, organisation["id"])
        kept = api.member(client, organisation["id"])
        for person in (erased, kept):
            assert api.membership(client, team["id"], person["id"]).status_code == 201
        meeting = _meeting(client, collaborative["id"])
        attendance = f"{API}/meetings/{meeting}/attendance"
        register = [
            {"member_id": erased["id"], "status": "present"},
            {"member_id": kept["id"], "status": "apologies"},
        ]
        assert api.replace_list(client, attendance, {"attendance": register}).status_code == 200

        response = _delete(client, erased["id"], erase="true")
        assert response.status_code == 204, response.text

        assert_problem(client.get(f"{MEMBERS}/{erased['id']}"), 404)
        roster = client.get(f"{API}/teams/{team['id']}/members").json()["items"]
        assert [m["member_id"] for m in roster] == [kept["id"]]
        present = client.get(attendance).json()["items"]
        assert [(a["member_id"], a["status"]) for a in present] == [(kept["id"], "apologies")]
        assert client.get(f"{API}/teams/{team['id']}").json()["id"] == team["id"]

    def test_erase_clears_the_coach_of_a_team(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client)
        coach = api.member(client, organisation["id"])
        team = api.team(client, collaborative["id"], [organisation["id"]], coach_id=coach["id"])
        assert_problem(_delete(client, coach["id"]), 409)
        assert _delete(client, coach["id"], erase="true").status_code == 204
        assert client.get(f"{API}/teams/{team['id']}").json()["coach_id"] is None


def test_erasure_records_who_erased_but_not_whom(client: TestClient) -> None:
    organisation = api.organisation(client)
    person = api.member(client, organisation["id"], name="Erin Example")
    path = f"{API}/members/{person['id']}"
    etag = client.get(path).headers["etag"]
    assert (
        client.delete(path, params={"erase": "true"}, headers={"If-Match": etag}).status_code == 204
    )
    events = client.get(f"{API}/audit-events", params={"action": "member_erased"}).json()["items"]
    assert [(e["subject"], e["outcome"], e["method"]) for e in events] == [
        (None, "success", "DELETE")
    ]
    assert events[0]["actor"].startswith("user:")
    assert "Erin" not in str(events)
    assert person["id"] not in str(events)


def test_erasure_works_for_someone_who_can_sign_in(
    client: TestClient, anonymous: TestClient
) -> None:
    """The person, their account and its sign-ins, their profile and memberships all go."""
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    person = api.member(client, organisation["id"], name="Erin Example")
    assert api.membership(client, team["id"], person["id"], "lead").status_code == 201
    made = client.post(f"{API}/accounts", json={"email": person["email"], "role": "member"})
    account = made.json()["account"]
    token = anonymous.post(
        f"{API}/auth/token",
        data={
            "grant_type": "password",
            "username": person["email"],
            "password": made.json()["temporary_password"],
        },
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get(f"{API}/me", headers=headers).status_code == 200
    profile = client.put(f"{MEMBERS}/{person['id']}/equality-profile", json={"disability": "Y"})
    assert profile.status_code == 201, profile.text
    assert_problem(_delete(client, person["id"]), 409)

    response = _delete(client, person["id"], erase="true")

    assert response.status_code == 204, response.text
    assert_problem(client.get(f"{MEMBERS}/{person['id']}"), 404)
    assert_problem(client.get(f"{API}/accounts/{account['id']}"), 404)
    assert_problem(anonymous.get(f"{API}/me", headers=headers), 401)
    assert_problem(client.get(f"{MEMBERS}/{person['id']}/equality-profile"), 404)
    assert client.get(f"{API}/teams/{team['id']}/members").json()["items"] == []
    gone = client.get(f"{API}/accounts", params={"email": person["email"]}).json()
    assert gone["items"] == []


class TestNameFilter:
    def _names(self, client: TestClient, organisation_id: str, name: str) -> list[str]:
        response = client.get(MEMBERS, params={"organisation_id": organisation_id, "name": name})
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    def test_part_of_a_name_ignoring_case(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        for name in ("Sam Patel", "Samira O'Neill", "Émile Zola", "Chris Sampson", "Jo Bloggs"):
            api.member(client, organisation, name=name)
        assert self._names(client, organisation, "sam") == [
            "Sam Patel",
            "Samira O'Neill",
            "Chris Sampson",
        ]
        assert self._names(client, organisation, "PATEL") == ["Sam Patel"]
        assert self._names(client, organisation, "o'n") == ["Samira O'Neill"]
        assert self._names(client, organisation, "émile") == ["Émile Zola"]
        assert self._names(client, organisation, "nobody") == []

    def test_wildcards_match_themselves(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        for name in ("Ann 100% Smith", "Ann 1000 Smith", "Bo_Li", "Bo Li", "Back\\slash /x"):
            api.member(client, organisation, name=name)
        assert self._names(client, organisation, "100%") == ["Ann 100% Smith"]
        assert self._names(client, organisation, "%") == ["Ann 100% Smith"]
        assert self._names(client, organisation, "bo_") == ["Bo_Li"]
        assert self._names(client, organisation, "_") == ["Bo_Li"]
        assert self._names(client, organisation, "\\s") == ["Back\\slash /x"]
        assert self._names(client, organisation, "/x") == ["Back\\slash /x"]

    def test_pages_keep_the_filter(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        for name in ("Kim A", "Lee B", "Kim C", "Kim D"):
            api.member(client, organisation, name=name)
        query = {"organisation_id": organisation, "name": "kim", "limit": 2}
        first = client.get(MEMBERS, params=query).json()
        second = client.get(MEMBERS, params=query | {"cursor": first["next_cursor"]}).json()
        assert [m["name"] for m in first["items"] + second["items"]] == ["Kim A", "Kim C", "Kim D"]
        assert second["next_cursor"] is None
        # Another name, with that cursor, would skip or repeat people.
        other = query | {"name": "lee", "cursor": first["next_cursor"]}
        assert "other filters" in assert_problem(client.get(MEMBERS, params=other), 400)["detail"]

    def test_an_empty_name_is_422(self, client: TestClient) -> None:
        problem = assert_problem(client.get(MEMBERS, params={"name": ""}), 422)
        assert [error["loc"] for error in problem["errors"]] == [["query", "name"]]
