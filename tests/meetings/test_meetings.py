"""Meetings and their attendance: instants with offsets, ordering, filters, replacing the list."""

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

MEETINGS = f"{API}/meetings"
MISSING = "00000000-0000-4000-8000-000000000000"


def _etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


_body = api.meeting_body


def _meeting(client: TestClient, collaborative_id: str, **fields: Any) -> dict[str, Any]:
    response = client.post(MEETINGS, json=_body(collaborative_id, **fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, f"{text} has no offset"
    return parsed


def _locs(problem: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in problem["errors"]]


class TestCreate:
    def test_offset_times_are_the_same_instants(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)
        response = client.post(MEETINGS, json=_body(collaborative["id"]))
        assert response.status_code == 201, response.text
        assert response.headers["Location"].endswith(f"/meetings/{response.json()['id']}")
        read = client.get(f"{MEETINGS}/{response.json()['id']}").json()
        for body in (response.json(), read):
            assert _instant(body["starts_at"]) == datetime.fromisoformat(
                "2024-09-05T08:30:00+00:00"
            )
            assert _instant(body["ends_at"]) == datetime.fromisoformat("2024-09-05T15:00:00Z")

    def test_naive_datetime_is_422(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)
        body = _body(collaborative["id"], starts_at="2024-09-05T09:30:00")
        problem = assert_problem(client.post(MEETINGS, json=body), 422)
        assert _locs(problem) == [["body", "starts_at"]]

    def test_ends_at_not_after_starts_at_is_422(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)
        # The same instant written in two offsets: zero length, so refused.
        same = _body(collaborative["id"], ends_at="2024-09-05T08:30:00Z")
        earlier = _body(collaborative["id"], ends_at="2024-09-05T09:00:00+01:00")
        for body in (same, earlier):
            problem = assert_problem(client.post(MEETINGS, json=body), 422)
            assert _locs(problem) == [["body", "ends_at"]]
        assert (
            client.get(MEETINGS, params={"collaborative_id": collaborative["id"]}).json()["items"]
            == []
        )

    def test_online_url_must_be_https(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)
        insecure = _body(collaborative["id"], online_url="http://meet.example.nhs.uk/ls1")
        problem = assert_problem(client.post(MEETINGS, json=insecure), 422)
        assert _locs(problem) == [["body", "online_url"]]
        secure = _meeting(client, collaborative["id"], online_url="https://meet.example.nhs.uk/ls1")
        assert secure["online_url"] == "https://meet.example.nhs.uk/ls1"

    def test_patch_ends_at_before_stored_start_is_422(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}"
        response = client.patch(
            path,
            json={"ends_at": "2024-09-05T08:00:00Z"},
            headers={"If-Match": _etag(client, path)},
        )
        assert _locs(assert_problem(response, 422)) == [["body", "ends_at"]]
        assert _instant(client.get(path).json()["ends_at"]) == _instant("2024-09-05T15:00:00Z")


class TestList:
    def test_ordered_by_starts_at_not_creation(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)["id"]
        late = _meeting(
            client, collaborative, starts_at="2024-11-01T09:00:00Z", ends_at="2024-11-01T10:00:00Z"
        )
        early = _meeting(
            client,
            collaborative,
            starts_at="2024-09-01T09:00:00+01:00",
            ends_at="2024-09-01T10:00:00+01:00",
        )
        # 07:30 UTC: earlier than `early` (08:00 UTC) although written with a later hour.
        earliest = _meeting(
            client,
            collaborative,
            starts_at="2024-09-01T09:30:00+02:00",
            ends_at="2024-09-01T11:00:00+02:00",
        )
        items = client.get(MEETINGS, params={"collaborative_id": collaborative}).json()["items"]
        assert [m["id"] for m in items] == [earliest["id"], early["id"], late["id"]]

    def test_pages_follow_starts_at(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)["id"]
        days = ["2024-10-03", "2024-10-01", "2024-10-04", "2024-10-02"]
        by_day = {
            day: _meeting(
                client, collaborative, starts_at=f"{day}T09:00:00Z", ends_at=f"{day}T10:00:00Z"
            )["id"]
            for day in days
        }
        params: dict[str, Any] = {"collaborative_id": collaborative, "limit": 3}
        first = client.get(MEETINGS, params=params).json()
        assert first["next_cursor"] is not None
        second = client.get(MEETINGS, params=params | {"cursor": first["next_cursor"]})
        assert second.status_code == 200, second.text
        seen = [m["id"] for m in first["items"] + second.json()["items"]]
        assert seen == [by_day[day] for day in sorted(days)]
        assert second.json()["next_cursor"] is None

    def test_filter_by_collaborative_and_kind(self, client: TestClient) -> None:
        mine = api.collaborative(client)["id"]
        theirs = api.collaborative(client)["id"]
        session = _meeting(client, mine, kind="learning_session")
        coaching = _meeting(
            client,
            mine,
            kind="coaching",
            starts_at="2024-09-06T09:00:00Z",
            ends_at="2024-09-06T10:00:00Z",
        )
        _meeting(client, theirs, kind="coaching")

        def ids(**params: Any) -> list[str]:
            return [m["id"] for m in client.get(MEETINGS, params=params).json()["items"]]

        assert ids(collaborative_id=mine) == [session["id"], coaching["id"]]
        assert ids(collaborative_id=mine, kind="coaching") == [coaching["id"]]
        assert ids(collaborative_id=theirs, kind="learning_session") == []


class TestAttendance:
    def _people(self, client: TestClient, meeting: dict[str, Any], count: int) -> list[str]:
        """Members of a team of the meeting's collaborative."""
        organisation = api.organisation(client)
        team = api.team(client, meeting["collaborative_id"], [organisation["id"]])
        people = [api.member(client, organisation["id"])["id"] for _ in range(count)]
        for person in people:
            assert api.membership(client, team["id"], person).status_code == 201
        return people

    def test_only_people_of_the_collaborative_attend(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}/attendance"
        (member,) = self._people(client, meeting, 1)
        organisation = api.organisation(client)
        elsewhere = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
        outsider = api.member(client, organisation["id"])["id"]
        assert api.membership(client, elsewhere["id"], outsider).status_code == 201
        own_team = api.team(client, meeting["collaborative_id"], [organisation["id"]])
        coach = api.coach(client, organisation["id"], own_team["id"])["id"]
        body = {
            "attendance": [
                {"member_id": member, "status": "present"},
                {"member_id": outsider, "status": "present"},
                {"member_id": coach, "status": "present"},
            ]
        }
        problem = assert_problem(api.replace_list(client, path, body), 422)
        assert problem["errors"] == [
            {
                "loc": ["body", "attendance", 1, "member_id"],
                "message": f"Member {outsider} is in no team of this meeting's collaborative,"
                " nor coaches one.",
            }
        ]
        assert client.get(path).json()["items"] == []
        del body["attendance"][1]
        stored = api.replace_list(client, path, body)
        assert {e["member_id"] for e in stored.json()["items"]} == {member, coach}

    def test_put_replaces_the_whole_list(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}/attendance"
        a, b, c = self._people(client, meeting, 3)
        first = [
            {"member_id": a, "status": "present"},
            {"member_id": b, "status": "apologies"},
            {"member_id": c, "status": "absent"},
        ]
        response = api.replace_list(client, path, {"attendance": first})
        assert response.status_code == 200, response.text
        assert {e["member_id"]: e["status"] for e in response.json()["items"]} == {
            a: "present",
            b: "apologies",
            c: "absent",
        }
        second = [{"member_id": c, "status": "present"}]
        assert api.replace_list(client, path, {"attendance": second}).status_code == 200
        listed = client.get(path).json()
        assert [(e["member_id"], e["status"]) for e in listed["items"]] == [(c, "present")]
        assert listed["next_cursor"] is None

    def test_unknown_member_is_422_at_its_index(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}/attendance"
        (known,) = self._people(client, meeting, 1)
        register = {"attendance": [{"member_id": known, "status": "present"}]}
        assert api.replace_list(client, path, register).status_code == 200
        body = {
            "attendance": [
                {"member_id": known, "status": "absent"},
                {"member_id": MISSING, "status": "present"},
            ]
        }
        problem = assert_problem(api.replace_list(client, path, body), 422)
        assert _locs(problem) == [["body", "attendance", 1, "member_id"]]
        stored = client.get(path).json()["items"]
        assert [(e["member_id"], e["status"]) for e in stored] == [(known, "present")]

    def test_duplicate_member_is_422(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}/attendance"
        (person,) = self._people(client, meeting, 1)
        body = {
            "attendance": [
                {"member_id": person, "status": "present"},
                {"member_id": person, "status": "absent"},
            ]
        }
        problem = assert_problem(api.replace_list(client, path, body), 422)
        assert _locs(problem) == [["body", "attendance", 1, "member_id"]]
        assert client.get(path).json()["items"] == []

    def test_missing_meeting_is_404(self, client: TestClient) -> None:
        path = f"{MEETINGS}/{MISSING}/attendance"
        assert_problem(client.get(path), 404)
        (person,) = self._people(client, _meeting(client, api.collaborative(client)["id"]), 1)
        body = {"attendance": [{"member_id": person, "status": "present"}]}
        assert_problem(client.put(path, json=body), 404)

    def test_deleting_a_meeting_removes_its_attendance(self, client: TestClient) -> None:
        meeting = _meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}"
        people = self._people(client, meeting, 2)
        register = [{"member_id": person, "status": "present"} for person in people]
        assert (
            api.replace_list(client, f"{path}/attendance", {"attendance": register}).status_code
            == 200
        )
        response = client.delete(path, headers={"If-Match": _etag(client, path)})
        assert response.status_code == 204, response.text
        assert_problem(client.get(path), 404)
        assert_problem(client.get(f"{path}/attendance"), 404)
        # The people remain; a new meeting's register starts empty.
        for person in people:
            assert client.get(f"{API}/members/{person}").json()["id"] == person
        again = _meeting(client, meeting["collaborative_id"])
        assert client.get(f"{MEETINGS}/{again['id']}/attendance").json()["items"] == []


class TestStartsAfter:
    def _titles(self, client: TestClient, collaborative_id: str, starts_after: str) -> list[str]:
        params = {"collaborative_id": collaborative_id, "starts_after": starts_after}
        response = client.get(MEETINGS, params=params)
        assert response.status_code == 200, response.text
        return [meeting["title"] for meeting in response.json()["items"]]

    def test_a_plain_date_means_midnight_utc(self, client: TestClient) -> None:
        collaborative = api.collaborative(client)["id"]
        for title, starts_at in (
            ("late on the 4th", "2024-09-04T23:59:00+00:00"),
            ("midnight", "2024-09-05T00:00:00+00:00"),
            ("just after midnight in London", "2024-09-05T00:30:00+01:00"),
            ("morning", "2024-09-05T09:30:00+01:00"),
        ):
            _meeting(
                client,
                collaborative,
                title=title,
                starts_at=starts_at,
                ends_at="2024-09-05T16:00:00+01:00",
            )
        assert self._titles(client, collaborative, "2024-09-05") == ["midnight", "morning"]
        assert self._titles(client, collaborative, "2024-09-05T00:00:00Z") == [
            "midnight",
            "morning",
        ]
        assert self._titles(client, collaborative, "2024-09-04T23:00:00Z") == [
            "just after midnight in London",
            "late on the 4th",
            "midnight",
            "morning",
        ]
        assert self._titles(client, collaborative, "2024-09-06") == []

    def test_junk_is_422(self, client: TestClient) -> None:
        for junk in ("2024-9-5", "2024-02-30", "today", "1899-12-31", "3000-01-01"):
            problem = assert_problem(client.get(MEETINGS, params={"starts_after": junk}), 422)
            assert _locs(problem) == [["query", "starts_after"]], junk
