"""Changing an equality profile: PATCH merges, DELETE withdraws it, its ETag is its own, and a
404 tells nobody out of reach whether a member or a profile exists."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import api
from tests.api import API, assert_problem
from tests.equality_support import (
    CHARACTERISTICS,
    FULL_PROFILE,
    events_of,
    make_people,
    patch_profile,
    profile_path,
    put_profile,
)

OUT_OF_REACH = (
    "Not found: an equality profile is shown only to the person themself and to programme"
    " leads (admins)."
)


@pytest.fixture
def people(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    return make_people(
        client, app, session_factory, password_hash, under_represented=["disability"]
    )


def _verdict(client: TestClient, people: dict[str, Any]) -> Any:
    return client.get(f"{API}/teams/{people['team']['id']}").json()["lead_criterion_met"]


def _answers(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in CHARACTERISTICS}


class TestPatch:
    def test_one_answer_changes_and_the_rest_stay(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        created = put_profile(anonymous, alice, FULL_PROFILE, **me)
        assert created.status_code == 201, created.text
        assert _verdict(client, people) is True

        patched = patch_profile(
            anonymous, alice, {"age_band": "45-54"}, **me, **{"If-Match": created.headers["ETag"]}
        )
        assert patched.status_code == 200, patched.text
        assert _answers(patched.json()) == FULL_PROFILE | {"age_band": "45-54"}
        assert patched.json()["version"] == 2
        assert patched.headers["ETag"] not in (created.headers["ETag"], None)
        read = anonymous.get(profile_path(alice), headers=me)
        assert (read.json(), read.headers["ETag"]) == (patched.json(), patched.headers["ETag"])
        assert _verdict(client, people) is True

    def test_null_clears_that_answer_only(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        etag = put_profile(anonymous, alice, FULL_PROFILE, **me).headers["ETag"]
        cleared = patch_profile(anonymous, alice, {"disability": None}, **me, **{"If-Match": etag})
        assert cleared.status_code == 200, cleared.text
        assert _answers(cleared.json()) == FULL_PROFILE | {"disability": None}
        # Disability was the only characteristic the collaborative names.
        assert _verdict(client, people) is None

    def test_a_change_needs_a_current_if_match(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        first = put_profile(anonymous, alice, {"disability": "N"}, **me).headers["ETag"]
        second = patch_profile(anonymous, alice, {"sex": "1"}, **me, **{"If-Match": first})
        assert second.status_code == 200, second.text
        missing = assert_problem(patch_profile(anonymous, alice, {"disability": "Y"}, **me), 428)
        assert missing["type"].endswith("if-match-required")
        stale = patch_profile(anonymous, alice, {"disability": "Y"}, **me, **{"If-Match": first})
        assert second.headers["ETag"] in assert_problem(stale, 412)["detail"]
        assert _answers(anonymous.get(profile_path(alice), headers=me).json())["disability"] == "N"

    def test_without_a_profile_it_creates_one_from_the_fields_sent(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        refused = patch_profile(anonymous, alice, {"sex": "1"}, **me, **{"If-Match": "*"})
        assert "no profile yet" in assert_problem(refused, 412)["detail"]
        created = patch_profile(anonymous, alice, {"sex": "1", "disability": "N"}, **me)
        assert created.status_code == 201, created.text
        expected = dict.fromkeys(CHARACTERISTICS) | {"sex": "1", "disability": "N"}
        assert _answers(created.json()) == expected
        assert created.json()["version"] == 1
        read = anonymous.get(profile_path(alice), headers=me)
        assert (read.json(), read.headers["ETag"]) == (created.json(), created.headers["ETag"])

    def test_codes_and_field_names_are_checked(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        bad = assert_problem(patch_profile(client, alice, {"disability": "yes-secret"}), 422)
        assert [error["loc"] for error in bad["errors"]] == [["body", "disability"]]
        assert "yes-secret" not in str(bad)
        unknown = assert_problem(patch_profile(client, alice, {"trans": "yes"}), 422)
        assert unknown["errors"][0]["loc"] == ["body", "trans"]
        assert_problem(client.get(profile_path(alice)), 404)

    def test_a_client_is_refused(
        self, client: TestClient, anonymous: TestClient, people: Any
    ) -> None:
        alice = people["alice"]["id"]
        headers = people["headers"]["client"]
        assert_problem(patch_profile(anonymous, alice, {"sex": "1"}, **headers), 403)
        assert_problem(anonymous.delete(profile_path(alice), headers=headers), 403)
        assert_problem(client.get(profile_path(alice)), 404)


class TestDelete:
    def test_the_person_withdraws_their_answers(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        etag = put_profile(anonymous, alice, FULL_PROFILE, **me).headers["ETag"]
        path = profile_path(alice)
        assert_problem(anonymous.delete(path, headers=me), 428)
        stale = f'"equality-profile-{alice}-9"'
        assert_problem(anonymous.delete(path, headers={**me, "If-Match": stale}), 412)
        assert _verdict(client, people) is True

        deleted = anonymous.delete(path, headers={**me, "If-Match": etag})
        assert deleted.status_code == 204, deleted.text
        assert deleted.content == b""
        gone = assert_problem(anonymous.get(path, headers=me), 404)
        assert gone["detail"].startswith("You have not saved an equality profile")
        assert _verdict(client, people) is None
        again = anonymous.delete(path, headers={**me, "If-Match": etag})
        assert assert_problem(again, 404)["detail"] == gone["detail"]

    def test_an_admin_may_remove_one(self, client: TestClient, people: dict[str, Any]) -> None:
        bob = people["bob"]["id"]
        etag = put_profile(client, bob, FULL_PROFILE).headers["ETag"]
        assert client.delete(profile_path(bob), headers={"If-Match": etag}).status_code == 204
        problem = assert_problem(client.get(profile_path(bob)), 404)
        assert problem["detail"] == f"Member {bob} has not saved an equality profile."

    def test_every_change_is_recorded_without_values(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        created = patch_profile(anonymous, alice, FULL_PROFILE, **me)
        changed = patch_profile(
            anonymous, alice, {"sex": "1"}, **me, **{"If-Match": created.headers["ETag"]}
        )
        replaced = put_profile(
            anonymous, alice, FULL_PROFILE, **me, **{"If-Match": changed.headers["ETag"]}
        )
        path = profile_path(alice)
        assert anonymous.delete(
            path, headers={**me, "If-Match": replaced.headers["ETag"]}
        ).is_success
        assert_problem(anonymous.delete(path, headers=people["headers"]["bob"]), 404)

        events = events_of(client, "equality_profile_changed")
        assert [(e["outcome"], e["subject"], e["reason"]) for e in events] == [
            ("success", alice, "created"),
            ("success", alice, "updated"),
            ("success", alice, "replaced"),
            ("success", alice, "deleted"),
            ("denied", alice, "not the member or an admin"),
        ]
        assert {e["method"] for e in events} == {"PATCH", "PUT", "DELETE"}
        everything = str(client.get(f"{API}/audit-events", params={"limit": 200}).json())
        for value in ("civil_partnership", "55-64", "maternity", "'M'"):
            assert value not in everything


class TestEtag:
    def test_the_profiles_etag_is_not_the_members(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        member_path = f"{API}/members/{alice}"
        member_etag = client.get(member_path).headers["ETag"]
        created = put_profile(client, alice, FULL_PROFILE)
        profile_etag = created.headers["ETag"]
        assert (created.json()["version"], client.get(member_path).json()["version"]) == (1, 1)
        assert profile_etag != member_etag
        assert profile_etag == client.get(profile_path(alice)).headers["ETag"]

        # Each one's If-Match takes only its own tag.
        wrong = {"If-Match": member_etag}
        assert_problem(patch_profile(client, alice, {"sex": "1"}, **wrong), 412)
        assert_problem(put_profile(client, alice, {"sex": "1"}, **wrong), 412)
        assert_problem(client.delete(profile_path(alice), headers=wrong), 412)
        renamed = client.patch(
            member_path, json={"name": "Ali"}, headers={"If-Match": profile_etag}
        )
        assert_problem(renamed, 412)
        assert _answers(client.get(profile_path(alice)).json()) == FULL_PROFILE
        assert client.get(member_path).json()["name"] == "Alice"


class TestNotFound:
    @pytest.mark.parametrize("caller", ["bob", "coach"])
    def test_out_of_reach_is_one_answer_whatever_exists(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any], caller: str
    ) -> None:
        headers = people["headers"][caller]
        alice = people["alice"]["id"]
        etag = put_profile(client, alice, FULL_PROFILE).headers["ETag"]
        # Alice has a profile, the organisation's new member none, and the third is nobody.
        unsaved = api.member(client, people["organisation"]["id"])["id"]
        for member_id in (alice, unsaved, str(uuid.uuid4())):
            path = profile_path(member_id)
            answers = [
                anonymous.get(path, headers=headers),
                anonymous.put(path, json={"sex": "1"}, headers=headers),
                anonymous.patch(path, json={"sex": "1"}, headers={**headers, "If-Match": etag}),
                anonymous.delete(path, headers={**headers, "If-Match": etag}),
            ]
            for response in answers:
                assert assert_problem(response, 404)["detail"] == OUT_OF_REACH
        assert _answers(client.get(profile_path(alice)).json()) == FULL_PROFILE

    def test_the_person_is_told_they_have_not_saved_one(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        problem = assert_problem(anonymous.get(profile_path(alice), headers=me), 404)
        assert problem["detail"] == (
            "You have not saved an equality profile yet; create one with PUT or PATCH,"
            " without If-Match."
        )

    def test_an_admin_is_told_which_is_missing(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        bob = people["bob"]["id"]
        no_profile = assert_problem(client.get(profile_path(bob)), 404)
        assert no_profile["detail"] == f"Member {bob} has not saved an equality profile."
        nobody = str(uuid.uuid4())
        for response in (
            client.get(profile_path(nobody)),
            put_profile(client, nobody, {"sex": "1"}),
            patch_profile(client, nobody, {"sex": "1"}),
            client.delete(profile_path(nobody), headers={"If-Match": "*"}),
        ):
            assert assert_problem(response, 404)["detail"] == f"There is no member {nobody}."
