"""Who sees a team's `lead_criterion_met`: admins and the team's lead; for anyone else a team
carries no such key, since the verdict tells them something about a named person."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import api
from tests.api import API
from tests.equality_support import make_people, put_profile

# With only `disability` listed, any verdict gives away the lead's answer to that question.
VERDICTS = [
    ({"disability": "Y"}, True),
    ({"disability": "N"}, False),
    ({"disability": "prefer_not_to_say"}, None),
    (None, None),
]
VERDICT_IDS = ["true", "false", "unknown", "no-profile"]


@pytest.fixture
def people(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    return make_people(
        client, app, session_factory, password_hash, under_represented=["disability"]
    )


def _save(client: TestClient, people: dict[str, Any], profile: dict[str, str] | None) -> None:
    if profile is not None:
        assert put_profile(client, people["alice"]["id"], profile).status_code == 201


def _reads(caller: TestClient, people: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    """The team as one read and as an item of its collaborative's list."""
    team = people["team"]
    one = caller.get(f"{API}/teams/{team['id']}", headers=headers)
    listed = caller.get(
        f"{API}/teams", params={"collaborative_id": team["collaborative_id"]}, headers=headers
    )
    assert one.status_code == 200, one.text
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [team["id"]]
    return [one.json(), listed.json()["items"][0]]


class TestWhoSeesTheVerdict:
    @pytest.mark.parametrize("caller", ["bob", "coach", "client"])
    @pytest.mark.parametrize(("profile", "verdict"), VERDICTS, ids=VERDICT_IDS)
    def test_a_teammate_the_coach_and_a_trust_get_no_key(
        self,
        client: TestClient,
        anonymous: TestClient,
        people: dict[str, Any],
        caller: str,
        profile: dict[str, str] | None,
        verdict: bool | None,
    ) -> None:
        _save(client, people, profile)
        for team in _reads(anonymous, people, people["headers"][caller]):
            assert team["name"] == people["team"]["name"]
            assert "lead_criterion_met" not in team
        # The verdict is there all the same, for those who may see it.
        assert [team["lead_criterion_met"] for team in _reads(client, people, {})] == [verdict] * 2

    @pytest.mark.parametrize(("profile", "verdict"), VERDICTS, ids=VERDICT_IDS)
    def test_the_lead_and_admins_see_it(
        self,
        client: TestClient,
        anonymous: TestClient,
        people: dict[str, Any],
        profile: dict[str, str] | None,
        verdict: bool | None,
    ) -> None:
        _save(client, people, profile)
        lead = _reads(anonymous, people, people["headers"]["alice"])
        admin = _reads(client, people, {})
        assert [team["lead_criterion_met"] for team in lead + admin] == [verdict] * 4

    def test_a_change_answers_with_it_only_to_an_admin(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        _save(client, people, {"disability": "Y"})
        path = f"{API}/teams/{people['team']['id']}"
        by_coach = anonymous.patch(
            path,
            json={"aim": "Fewer falls"},
            headers={**people["headers"]["coach"], "If-Match": client.get(path).headers["ETag"]},
        )
        assert by_coach.status_code == 200, by_coach.text
        assert by_coach.json()["aim"] == "Fewer falls"
        assert "lead_criterion_met" not in by_coach.json()
        by_admin = client.patch(
            path, json={"aim": "No falls"}, headers={"If-Match": by_coach.headers["ETag"]}
        )
        assert by_admin.status_code == 200, by_admin.text
        assert (by_admin.json()["aim"], by_admin.json()["lead_criterion_met"]) == ("No falls", True)

    def test_a_lead_sees_only_the_team_they_lead(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        _save(client, people, {"disability": "N"})
        team = people["team"]
        other = api.team(client, team["collaborative_id"], [people["organisation"]["id"]])
        carol = api.member(client, people["organisation"]["id"], name="Carol")
        assert api.membership(client, other["id"], carol["id"], "lead").status_code == 201
        assert put_profile(client, carol["id"], {"disability": "Y"}).status_code == 201
        # Alice leads her own team and is an ordinary member of Carol's.
        assert api.membership(client, other["id"], people["alice"]["id"]).status_code == 201

        listed = anonymous.get(
            f"{API}/teams",
            params={"collaborative_id": team["collaborative_id"]},
            headers=people["headers"]["alice"],
        )
        assert listed.status_code == 200, listed.text
        shown = {
            item["id"]: item.get("lead_criterion_met", "absent") for item in listed.json()["items"]
        }
        assert shown == {team["id"]: False, other["id"]: "absent"}
        one = anonymous.get(f"{API}/teams/{other['id']}", headers=people["headers"]["alice"])
        assert one.status_code == 200, one.text
        assert "lead_criterion_met" not in one.json()

    def test_the_openapi_field_says_who_sees_it(self, client: TestClient) -> None:
        schema = client.get("/openapi.json").json()["components"]["schemas"]["TeamRead"]
        assert "lead_criterion_met" not in schema.get("required", [])
        description = schema["properties"]["lead_criterion_met"]["description"]
        assert "admins" in description
        assert "lead" in description
        assert "absent" in description
