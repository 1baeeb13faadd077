"""Equality profiles: who may read and write them, codes, kept apart, audit, erasure."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.characteristics import CODES, Characteristic
from app.equality.models import EqualityProfile
from tests import api
from tests.api import API, assert_problem
from tests.equality_support import (
    CHARACTERISTICS,
    FULL_PROFILE,
    events_of,
    make_people,
    profile_path,
    put_profile,
)


@pytest.fixture
def people(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    return make_people(client, app, session_factory, password_hash)


class TestAccess:
    def test_the_member_creates_reads_and_replaces_their_own(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert_problem(anonymous.get(profile_path(alice), headers=me), 404)

        created = put_profile(anonymous, alice, {"ethnic_category": "M", "disability": "Y"}, **me)
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["member_id"], body["ethnic_category"], body["disability"]) == (alice, "M", "Y")
        assert body["sex"] is None
        assert body["version"] == 1
        assert created.headers["ETag"] == f'"equality-profile-{alice}-1"'

        read = anonymous.get(profile_path(alice), headers=me)
        assert read.status_code == 200
        assert read.json() == body
        assert read.headers["ETag"] == f'"equality-profile-{alice}-1"'

        # A replacement is whole: what is left out is no longer answered.
        replaced = put_profile(
            anonymous,
            alice,
            {"sex": "prefer_not_to_say"},
            **me,
            **{"If-Match": read.headers["ETag"]},
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["sex"] == "prefer_not_to_say"
        assert replaced.json()["ethnic_category"] is None
        assert replaced.json()["version"] == 2
        assert anonymous.get(profile_path(alice), headers=me).json()["sex"] == "prefer_not_to_say"

    def test_replacing_needs_a_current_if_match(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert put_profile(anonymous, alice, {"disability": "N"}, **me).status_code == 201
        problem = assert_problem(put_profile(anonymous, alice, {"disability": "Y"}, **me), 428)
        assert problem["type"].endswith("if-match-required")
        stale = put_profile(
            anonymous, alice, {"disability": "Y"}, **me, **{"If-Match": f'"{alice}-9"'}
        )
        assert_problem(stale, 412)
        assert anonymous.get(profile_path(alice), headers=me).json()["disability"] == "N"

    def test_creating_with_if_match_is_412(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        response = put_profile(anonymous, alice, {"disability": "N"}, **me, **{"If-Match": "*"})
        assert "no profile yet" in assert_problem(response, 412)["detail"]
        assert_problem(anonymous.get(profile_path(alice), headers=me), 404)

    @pytest.mark.parametrize("caller", ["bob", "coach"])
    def test_anyone_else_gets_404_as_if_there_were_none(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any], caller: str
    ) -> None:
        alice = people["alice"]["id"]
        headers = people["headers"][caller]
        assert put_profile(client, alice, FULL_PROFILE).status_code == 201
        read = assert_problem(anonymous.get(profile_path(alice), headers=headers), 404)
        assert read["detail"].startswith("Not found: an equality profile is shown only to")
        write = assert_problem(put_profile(anonymous, alice, {"disability": "N"}, **headers), 404)
        # The same answer as for a profile that does not exist at all.
        assert write["detail"] == read["detail"]
        nobody = str(uuid.uuid4())
        absent = assert_problem(anonymous.get(profile_path(nobody), headers=headers), 404)
        assert absent["detail"] == read["detail"]
        for value in ("civil_partnership", "55-64", "maternity"):
            assert value not in read["detail"]
        assert client.get(profile_path(alice)).json()["disability"] == "Y"

    def test_a_client_is_refused(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        assert put_profile(client, alice, FULL_PROFILE).status_code == 201
        headers = people["headers"]["client"]
        problem = assert_problem(anonymous.get(profile_path(alice), headers=headers), 403)
        assert "own_profile" in problem["detail"]
        assert "civil_partnership" not in str(problem)
        assert_problem(put_profile(anonymous, alice, {"sex": "1"}, **headers), 403)
        assert client.get(profile_path(alice)).json()["sex"] == "2"

    def test_admins_read_and_write_anyones(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        bob = people["bob"]["id"]
        created = put_profile(client, bob, FULL_PROFILE)
        assert created.status_code == 201, created.text
        assert {key: created.json()[key] for key in FULL_PROFILE} == FULL_PROFILE
        assert client.get(profile_path(bob)).json()["religion_or_belief"] == "G"

    def test_a_member_that_does_not_exist_is_404(self, client: TestClient) -> None:
        nobody = str(uuid.uuid4())
        problem = assert_problem(put_profile(client, nobody, {"sex": "1"}), 404)
        assert problem["detail"] == f"There is no member {nobody}."


class TestCodes:
    def test_every_field_takes_prefer_not_to_say(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        body = dict.fromkeys(CHARACTERISTICS, "prefer_not_to_say")
        response = put_profile(client, people["alice"]["id"], body)
        assert response.status_code == 201, response.text
        assert {key: response.json()[key] for key in CHARACTERISTICS} == body

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("ethnic_category", "I"),  # there is no code I
            ("ethnic_category", "White British"),
            ("sex", "female-secret-value"),
            ("gender_identity", "5"),
            ("religion_or_belief", "O"),
            ("disability", "yes-secret-value"),
            ("age_band", "18-secret-value"),
            ("marriage_civil_partnership", "engaged-secret-value"),
            ("pregnancy_maternity", "due-secret-value"),
        ],
    )
    def test_an_invalid_code_is_422_naming_the_field_without_the_value(
        self, client: TestClient, people: dict[str, Any], field: str, value: str
    ) -> None:
        alice = people["alice"]["id"]
        response = put_profile(client, alice, {"disability": "N", field: value})
        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", field]]
        assert field in problem["detail"]
        if len(value) > 1:
            assert value not in response.text
        assert_problem(client.get(profile_path(alice)), 404)

    def test_unknown_fields_are_refused(self, client: TestClient, people: dict[str, Any]) -> None:
        problem = assert_problem(put_profile(client, people["alice"]["id"], {"trans": "yes"}), 422)
        assert problem["errors"][0]["loc"] == ["body", "trans"]

    def test_openapi_lists_the_allowed_codes(self, client: TestClient) -> None:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        fields = schemas["EqualityProfileWrite"]["properties"]
        for characteristic in Characteristic:
            listed = {
                value
                for option in fields[characteristic]["anyOf"]
                for value in option.get("enum", [])
            }
            assert listed == set(CODES[characteristic]), characteristic
        ethnic = {v for o in fields["ethnic_category"]["anyOf"] for v in o.get("enum", [])}
        assert {"A", "S", "Z", "99", "prefer_not_to_say"} <= ethnic
        assert not {"I", "O", "Q"} & ethnic


class TestKeptApart:
    def test_profiles_never_appear_in_member_reads(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        assert put_profile(client, alice, FULL_PROFILE).status_code == 201
        listed = client.get(
            f"{API}/members", params={"organisation_id": people["organisation"]["id"]}
        )
        one = client.get(f"{API}/members/{alice}")
        own = anonymous.get(f"{API}/members/{alice}", headers=people["headers"]["alice"])
        assert [item["name"] for item in listed.json()["items"]] == ["Alice", "Bob"]
        assert one.json()["name"] == "Alice"
        for response in (listed, one, own):
            assert response.status_code == 200, response.text
            for key in [*CHARACTERISTICS, "equality_profile"]:
                assert key not in response.text
            for value in ("civil_partnership", "55-64", "maternity"):
                assert value not in response.text

    def test_team_reads_show_the_lead_only_the_verdict(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        assert put_profile(client, people["alice"]["id"], FULL_PROFILE).status_code == 201
        team = anonymous.get(
            f"{API}/teams/{people['team']['id']}", headers=people["headers"]["alice"]
        )
        assert team.status_code == 200, team.text
        assert "lead_criterion_met" in team.json()
        for key in CHARACTERISTICS:
            assert key not in team.text


class TestAudit:
    def test_reads_and_changes_are_recorded_without_values(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert put_profile(anonymous, alice, FULL_PROFILE, **me).status_code == 201
        assert anonymous.get(profile_path(alice), headers=me).status_code == 200
        assert_problem(anonymous.get(profile_path(alice), headers=people["headers"]["bob"]), 404)
        assert client.get(profile_path(alice)).status_code == 200

        changes = events_of(client, "equality_profile_changed")
        assert [(e["outcome"], e["subject"], e["reason"]) for e in changes] == [
            ("success", alice, "created")
        ]
        reads = events_of(client, "equality_profile_read")
        assert [(e["outcome"], e["subject"]) for e in reads] == [
            ("success", alice),
            ("denied", alice),
            ("success", alice),
        ]
        assert reads[0]["actor"] != reads[1]["actor"]
        assert {e["path"] for e in reads + changes} == {profile_path(alice)}
        everything = str(client.get(f"{API}/audit-events", params={"limit": 200}).json())
        for value in ("civil_partnership", "55-64", "maternity", "'M'"):
            assert value not in everything


class TestErasure:
    def test_erasure_removes_the_profile(
        self, client: TestClient, session_factory: sessionmaker[Session]
    ) -> None:
        organisation = api.organisation(client)["id"]
        team = api.team(client, api.collaborative(client)["id"], [organisation])
        member = api.member(client, organisation)["id"]
        assert api.membership(client, team["id"], member).status_code == 201
        assert put_profile(client, member, FULL_PROFILE).status_code == 201
        path = f"{API}/members/{member}"
        etag = client.get(path).headers["ETag"]
        kept = client.delete(path, headers={"If-Match": etag})
        assert assert_problem(kept, 409)["type"].endswith("member-has-history")
        assert client.get(profile_path(member)).json()["age_band"] == "55-64"

        erased = client.delete(path, params={"erase": "true"}, headers={"If-Match": etag})
        assert erased.status_code == 204, erased.text
        assert_problem(client.get(path), 404)
        assert_problem(client.get(profile_path(member)), 404)
        with session_factory() as session:
            assert session.get(EqualityProfile, uuid.UUID(member)) is None

    def test_removing_a_member_without_history_removes_the_profile(
        self, client: TestClient, session_factory: sessionmaker[Session]
    ) -> None:
        organisation = api.organisation(client)
        member = api.member(client, organisation["id"])
        assert put_profile(client, member["id"], {"age_band": "25-34"}).status_code == 201
        path = f"{API}/members/{member['id']}"
        response = client.delete(path, headers={"If-Match": client.get(path).headers["ETag"]})
        assert response.status_code == 204, response.text
        assert_problem(client.get(profile_path(member["id"])), 404)
        with session_factory() as session:
            assert session.get(EqualityProfile, uuid.UUID(member["id"])) is None
