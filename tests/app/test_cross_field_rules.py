"""Rules that span fields of one resource (dates in order, one owner) answer with the same 422
body on create and on PATCH, and a PATCH is judged merged with the stored row."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.clock import today
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_user, person_token

COLLABORATIVES = f"{API}/collaboratives"
MEETINGS = f"{API}/meetings"
MEASURES = f"{API}/measures"


def _refusal(path: str, *fields: str, message: str) -> dict[str, Any]:
    """The whole problem body of a cross-field refusal naming `fields`."""
    return {
        "type": "urn:qi-collaborative:problem:validation-error",
        "title": "Invalid input",
        "status": 422,
        "detail": message,
        "instance": path,
        "errors": [{"loc": ["body", field], "message": message} for field in fields],
    }


def _patch(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    etag = client.get(path).headers["ETag"]
    return client.patch(path, json=body, headers={"If-Match": etag})


BACKWARDS = "ends_on must not be before starts_on"
TOO_LONG = "a collaborative lasts at most ten years"
OUT_OF_RANGE = "must lie between 2000-01-01 and 2100-12-31"


class TestCollaborativeDates:
    @pytest.mark.parametrize(
        ("dates", "field", "message"),
        [
            ({"starts_on": "2025-01-10", "ends_on": "2025-01-09"}, "ends_on", BACKWARDS),
            ({"starts_on": "2024-01-01", "ends_on": "2035-01-01"}, "ends_on", TOO_LONG),
            ({"starts_on": "1999-12-31", "ends_on": "2025-01-09"}, "starts_on", OUT_OF_RANGE),
            ({"starts_on": "2025-01-01", "ends_on": "2101-01-01"}, "ends_on", OUT_OF_RANGE),
        ],
    )
    def test_create(
        self, client: TestClient, dates: dict[str, str], field: str, message: str
    ) -> None:
        response = client.post(COLLABORATIVES, json={"name": "Dates"} | dates)
        assert assert_problem(response, 422) == _refusal(COLLABORATIVES, field, message=message)

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            # Each is valid alone and breaks a rule only beside the stored other date.
            ({"ends_on": "2024-07-01"}, "ends_on", BACKWARDS),
            ({"starts_on": "2025-10-01"}, "starts_on", BACKWARDS),
            ({"ends_on": "2034-09-01"}, "ends_on", TOO_LONG),
            ({"starts_on": "2015-01-01"}, "starts_on", TOO_LONG),
            ({"starts_on": "1999-06-01"}, "starts_on", OUT_OF_RANGE),
            ({"starts_on": "2025-10-01", "ends_on": "2025-09-30"}, "ends_on", BACKWARDS),
        ],
    )
    def test_patch_judged_with_the_stored_dates(
        self, client: TestClient, change: dict[str, str], field: str, message: str
    ) -> None:
        created = api.collaborative(client, starts_on="2024-07-31", ends_on="2025-09-22")
        path = f"{COLLABORATIVES}/{created['id']}"
        assert assert_problem(_patch(client, path, change), 422) == _refusal(
            path, field, message=message
        )
        stored = client.get(path).json()
        assert (stored["starts_on"], stored["ends_on"]) == ("2024-07-31", "2025-09-22")


AFTER = "ends_at must be after starts_at"


class TestMeetingTimes:
    @pytest.mark.parametrize("ends_at", ["2024-09-05T08:30:00Z", "2024-09-05T09:00:00+01:00"])
    def test_create(self, client: TestClient, ends_at: str) -> None:
        collaborative = api.collaborative(client)
        body = api.meeting_body(collaborative["id"], ends_at=ends_at)
        response = client.post(MEETINGS, json=body)
        assert assert_problem(response, 422) == _refusal(MEETINGS, "ends_at", message=AFTER)

    def test_create_checks_the_times_before_the_collaborative(self, client: TestClient) -> None:
        body = api.meeting_body(
            "00000000-0000-4000-8000-000000000000", ends_at="2024-09-05T08:00:00Z"
        )
        response = client.post(MEETINGS, json=body)
        assert assert_problem(response, 422) == _refusal(MEETINGS, "ends_at", message=AFTER)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"ends_at": "2024-09-05T08:00:00Z"}, "ends_at"),
            ({"starts_at": "2024-09-05T16:00:00Z"}, "starts_at"),
            ({"starts_at": "2024-09-05T12:00:00Z", "ends_at": "2024-09-05T12:00:00Z"}, "ends_at"),
        ],
    )
    def test_patch_judged_with_the_stored_times(
        self, client: TestClient, change: dict[str, str], field: str
    ) -> None:
        meeting = api.meeting(client, api.collaborative(client)["id"])
        path = f"{MEETINGS}/{meeting['id']}"
        assert assert_problem(_patch(client, path, change), 422) == _refusal(
            path, field, message=AFTER
        )
        stored = client.get(path).json()
        assert (stored["starts_at"], stored["ends_at"]) == (
            meeting["starts_at"],
            meeting["ends_at"],
        )


ONE_OWNER = "Set exactly one of collaborative_id (shared measure) or team_id."


class TestMeasureOwner:
    def test_both_or_neither_owner(self, client: TestClient) -> None:
        organisation = api.organisation(client)
        collaborative = api.collaborative(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        body = api.measure_body()
        both = body | {"collaborative_id": collaborative["id"], "team_id": team["id"]}
        for sent in (both, body):
            response = client.post(MEASURES, json=sent)
            assert assert_problem(response, 422) == _refusal(
                MEASURES, "collaborative_id", "team_id", message=ONE_OWNER
            )

    def test_a_coach_hears_the_same_422_before_any_permission(
        self,
        client: TestClient,
        anonymous: TestClient,
        app: FastAPI,
        session_factory: sessionmaker[Session],
        password_hash: str,
    ) -> None:
        """Sharing a measure is the programme lead's, but a body naming both owners is
        malformed whoever sends it: 422, as when the schema refused it, not 403."""
        collaborative = api.collaborative(client)
        organisation = api.organisation(client)
        team = api.team(client, collaborative["id"], [organisation["id"]])
        coach = api.coach(client, organisation["id"], team["id"])
        with session_factory.begin() as session:
            user = add_user(
                session,
                password_hash,
                Role.COACH,
                email=coach["email"],
                member_id=uuid.UUID(coach["id"]),
            )
        token = person_token(app, user)
        both = api.measure_body(collaborative_id=collaborative["id"], team_id=team["id"])
        response = anonymous.post(MEASURES, json=both, headers={"Authorization": f"Bearer {token}"})
        assert assert_problem(response, 422) == _refusal(
            MEASURES, "collaborative_id", "team_id", message=ONE_OWNER
        )


LEFT_BEFORE_JOINING = "left_on must not be before joined_on"


class TestMembershipDates:
    def _current(self, client: TestClient) -> tuple[str, str]:
        """A current membership, from ten days ago until a hundred days ahead: its path."""
        organisation = api.organisation(client)
        collaborative = api.collaborative(
            client,
            starts_on=str(today() - timedelta(days=30)),
            ends_on=str(today() + timedelta(days=300)),
        )
        team = api.team(client, collaborative["id"], [organisation["id"]])
        person = api.member(client, organisation["id"])
        dates = {
            "joined_on": str(today() - timedelta(days=10)),
            "left_on": str(today() + timedelta(days=100)),
        }
        path = f"{API}/teams/{team['id']}/members"
        response = client.post(path, json={"member_id": person["id"], "role": "member"} | dates)
        assert response.status_code == 201, response.text
        return path, f"{path}/{person['id']}"

    def test_create(self, client: TestClient) -> None:
        path, _ = self._current(client)
        person = api.member(client, api.organisation(client)["id"])
        dates = {"joined_on": str(today()), "left_on": str(today() - timedelta(days=1))}
        response = client.post(path, json={"member_id": person["id"], "role": "member"} | dates)
        assert assert_problem(response, 422) == _refusal(
            path, "left_on", message=LEFT_BEFORE_JOINING
        )

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"left_on": -20}, "left_on"),
            # Valid alone; after the stored left_on.
            ({"joined_on": 200}, "joined_on"),
        ],
    )
    def test_patch_judged_with_the_stored_dates(
        self, client: TestClient, change: dict[str, int], field: str
    ) -> None:
        _, path = self._current(client)
        before = client.get(path).json()
        days = {name: str(today() + timedelta(days=offset)) for name, offset in change.items()}
        assert assert_problem(_patch(client, path, days), 422) == _refusal(
            path, field, message=LEFT_BEFORE_JOINING
        )
        stored = client.get(path).json()
        assert (stored["joined_on"], stored["left_on"]) == (before["joined_on"], before["left_on"])
