"""Team external references: set on create and by PATCH, read on the team, checked (422, 409),
held by one team of a collaborative, and found by the bulk lookup file imports use."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.integrations.directory import fold_ref
from app.teams import service
from app.teams.models import ExternalSystem
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_user, person_token

TEAMS = f"{API}/teams"

TAKEN = {
    "type": "urn:qi-collaborative:problem:duplicate-external-ref",
    "title": "Already exists",
    "status": 409,
    "detail": "Another team of the collaborative already has this external reference.",
}


def _patch(client: TestClient, team_id: str, body: dict[str, Any], **headers: str) -> Any:
    path = f"{TEAMS}/{team_id}"
    etag = client.get(path, headers=headers).headers["etag"]
    return client.patch(path, json=body, headers={"If-Match": etag, **headers})


def _create(client: TestClient, collaborative_id: str, org_id: str, refs: list[Any]) -> Any:
    body = {
        "collaborative_id": collaborative_id,
        "name": api.unique("Team "),
        "organisation_ids": [org_id],
        "external_refs": refs,
    }
    return client.post(TEAMS, json=body)


@pytest.fixture
def trust(client: TestClient) -> dict[str, Any]:
    return api.organisation(client)


@pytest.fixture
def programme(client: TestClient) -> dict[str, Any]:
    return api.collaborative(client)


def test_refs_are_set_on_create_and_read_back_in_order(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    sent = [
        {"ods_code": f"  {code.lower()} ", "ref": "  ED-Nursing-NGH  "},
        {"system": "lifeqi", "ref": "9b2f0c1e-aaaa-4c1d-9e7f-1234567890ab"},
        {"system": "improvewell", "ref": "Team 42"},
    ]
    response = _create(client, programme["id"], trust["id"], sent)
    assert response.status_code == 201, response.text
    stored = [
        {"ods_code": code, "system": None, "ref": "ED-Nursing-NGH"},
        {"ods_code": None, "system": "lifeqi", "ref": "9b2f0c1e-aaaa-4c1d-9e7f-1234567890ab"},
        {"ods_code": None, "system": "improvewell", "ref": "Team 42"},
    ]
    assert response.json()["external_refs"] == stored
    team_id = response.json()["id"]
    assert client.get(f"{TEAMS}/{team_id}").json()["external_refs"] == stored
    listed = client.get(TEAMS, params={"collaborative_id": programme["id"]}).json()["items"]
    assert [item["external_refs"] for item in listed] == [stored]


def test_a_team_without_refs_has_an_empty_list(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    team = api.team(client, programme["id"], [trust["id"]])
    assert team["external_refs"] == []


def test_patch_replaces_the_whole_list_and_moves_the_etag(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    team = api.team(
        client, programme["id"], [trust["id"]], external_refs=[{"ods_code": code, "ref": "A"}]
    )
    path = f"{TEAMS}/{team['id']}"
    before = client.get(path).headers["etag"]
    refs = [{"ods_code": code, "ref": "B"}, {"ods_code": code, "ref": "C"}]
    changed = _patch(client, team["id"], {"external_refs": refs})
    assert changed.status_code == 200, changed.text
    assert changed.json()["external_refs"] == [
        {"ods_code": code, "system": None, "ref": "B"},
        {"ods_code": code, "system": None, "ref": "C"},
    ]
    assert changed.headers["etag"] != before
    # Other fields leave the refs alone; an empty list clears them.
    renamed = _patch(client, team["id"], {"aim": "Fewer leavers"})
    assert [ref["ref"] for ref in renamed.json()["external_refs"]] == ["B", "C"]
    cleared = _patch(client, team["id"], {"external_refs": []})
    assert cleared.status_code == 200, cleared.text
    assert client.get(path).json()["external_refs"] == []


def test_patch_without_if_match_is_428(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    team = api.team(client, programme["id"], [trust["id"]])
    response = client.patch(f"{TEAMS}/{team['id']}", json={"external_refs": []})
    assert_problem(response, 428)


def test_a_team_may_keep_its_own_refs_in_another_case(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    team = api.team(
        client, programme["id"], [trust["id"]], external_refs=[{"ods_code": code, "ref": "Ward 4"}]
    )
    again = _patch(client, team["id"], {"external_refs": [{"ods_code": code, "ref": "WARD 4"}]})
    assert again.status_code == 200, again.text
    assert again.json()["external_refs"][0]["ref"] == "WARD 4"


def _invalid(response: Any) -> list[dict[str, Any]]:
    problem = assert_problem(response, 422)
    assert problem["type"].endswith("validation-error")
    errors: list[dict[str, Any]] = problem["errors"]
    return errors


def test_an_unknown_ods_code_is_422_naming_the_entry(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    refs = [{"ods_code": trust["ods_code"], "ref": "A"}, {"ods_code": "ZZZ99", "ref": "B"}]
    errors = _invalid(_create(client, programme["id"], trust["id"], refs))
    assert errors == [
        {
            "loc": ["body", "external_refs", 1, "ods_code"],
            "message": "No organisation with ODS code ZZZ99.",
        }
    ]
    assert client.get(TEAMS, params={"collaborative_id": programme["id"]}).json()["items"] == []


def test_an_entry_must_name_exactly_one_owner(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    refs = [
        {"ods_code": trust["ods_code"], "system": "lifeqi", "ref": "A"},
        {"ref": "B"},
    ]
    errors = _invalid(_create(client, programme["id"], trust["id"], refs))
    message = "Give either ods_code or system, not both."
    assert errors == [
        {"loc": ["body", "external_refs", 0], "message": message},
        {"loc": ["body", "external_refs", 1], "message": message},
    ]


def test_a_repeated_entry_is_422_even_in_another_case(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    team = api.team(client, programme["id"], [trust["id"]])
    refs = [
        {"ods_code": code, "ref": "Ward 4"},
        {"system": "lifeqi", "ref": "ward 4"},  # another owner: not a repeat
        {"ods_code": code.lower(), "ref": " WARD 4"},
    ]
    errors = _invalid(_patch(client, team["id"], {"external_refs": refs}))
    assert errors == [
        {"loc": ["body", "external_refs", 2, "ref"], "message": "Repeats external_refs[0]."}
    ]
    assert client.get(f"{TEAMS}/{team['id']}").json()["external_refs"] == []


@pytest.mark.parametrize(
    ("entry", "loc"),
    [
        ({"ods_code": "RHQ", "ref": "   "}, ["body", "external_refs", 0, "ref"]),
        ({"ods_code": "RHQ", "ref": "x" * 101}, ["body", "external_refs", 0, "ref"]),
        ({"ods_code": "RHQ"}, ["body", "external_refs", 0, "ref"]),
        ({"ods_code": "R-Q", "ref": "A"}, ["body", "external_refs", 0, "ods_code"]),
        ({"system": "trello", "ref": "A"}, ["body", "external_refs", 0, "system"]),
        ({"ods_code": "RHQ", "ref": "A", "note": "x"}, ["body", "external_refs", 0, "note"]),
        ({"ods_code": "RHQ", "ref": "A\x00"}, ["body", "external_refs", 0, "ref"]),
    ],
)
def test_a_malformed_entry_is_422_naming_its_field(
    client: TestClient,
    trust: dict[str, Any],
    programme: dict[str, Any],
    entry: dict[str, Any],
    loc: list[Any],
) -> None:
    errors = _invalid(_create(client, programme["id"], trust["id"], [entry]))
    assert [error["loc"] for error in errors] == [loc]


def test_a_ref_of_100_characters_is_kept(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    ref = "é" * 100
    response = _create(client, programme["id"], trust["id"], [{"system": "lifeqi", "ref": ref}])
    assert response.status_code == 201, response.text
    assert response.json()["external_refs"][0]["ref"] == ref


def test_more_than_50_refs_are_422(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    refs = [{"system": "lifeqi", "ref": f"P-{n}"} for n in range(51)]
    errors = _invalid(_create(client, programme["id"], trust["id"], refs))
    assert [error["loc"] for error in errors] == [["body", "external_refs"]]


def test_null_refs_in_a_patch_are_422(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    team = api.team(client, programme["id"], [trust["id"]])
    errors = _invalid(_patch(client, team["id"], {"external_refs": None}))
    assert [error["loc"] for error in errors] == [["body", "external_refs"]]


def test_a_pair_another_team_holds_is_409_on_create_and_patch(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    first = _create(client, programme["id"], trust["id"], [{"ods_code": code, "ref": "ED-1"}])
    assert first.status_code == 201, first.text
    refs = [
        {"ods_code": code, "ref": "ED-2"},
        {"ods_code": code.lower(), "ref": " ed-1 "},
    ]
    refused = _create(client, programme["id"], trust["id"], refs)
    problem = assert_problem(refused, 409)
    assert problem == TAKEN | {
        "instance": TEAMS,
        "errors": [{"loc": ["body", "external_refs", 1, "ref"], "message": "already taken"}],
    }
    second = api.team(client, programme["id"], [trust["id"]])
    patched = _patch(client, second["id"], {"external_refs": refs})
    assert assert_problem(patched, 409) == TAKEN | {
        "instance": f"{TEAMS}/{second['id']}",
        "errors": [{"loc": ["body", "external_refs", 1, "ref"], "message": "already taken"}],
    }
    assert client.get(f"{TEAMS}/{second['id']}").json()["external_refs"] == []
    # A QI tool's id is held by one team too.
    lifeqi = [{"system": "lifeqi", "ref": "P-1"}]
    assert _patch(client, first.json()["id"], {"external_refs": lifeqi}).status_code == 200
    assert assert_problem(_patch(client, second["id"], {"external_refs": lifeqi}), 409)[
        "errors"
    ] == [{"loc": ["body", "external_refs", 0, "ref"], "message": "already taken"}]
    # Once the first team lets ED-1 go, the second may take it.
    assert _patch(client, second["id"], {"external_refs": refs}).status_code == 200


def test_another_collaborative_may_use_the_same_pair(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    refs = [{"ods_code": trust["ods_code"], "ref": "ED-1"}]
    assert _create(client, programme["id"], trust["id"], refs).status_code == 201
    other = api.collaborative(client)
    assert _create(client, other["id"], trust["id"], refs).status_code == 201


def test_refs_follow_a_changed_ods_code_and_keep_their_organisation(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    other = api.organisation(client)
    team = api.team(
        client,
        programme["id"],
        [trust["id"]],
        external_refs=[{"ods_code": other["ods_code"], "ref": "CC-100"}],
    )
    path = f"{API}/organisations/{other['id']}"
    new_code = api.unique("Q")
    etag = client.get(path).headers["etag"]
    renamed = client.patch(path, json={"ods_code": new_code}, headers={"If-Match": etag})
    assert renamed.status_code == 200, renamed.text
    refs = client.get(f"{TEAMS}/{team['id']}").json()["external_refs"]
    assert refs == [{"ods_code": new_code, "system": None, "ref": "CC-100"}]
    etag = client.get(path).headers["etag"]
    problem = assert_problem(client.delete(path, headers={"If-Match": etag}), 409)
    assert problem["type"].endswith("still-referenced")


def test_the_teams_coach_sets_refs_and_another_coach_cannot(
    client: TestClient,
    anonymous: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
    trust: dict[str, Any],
    programme: dict[str, Any],
) -> None:
    mine = api.team(client, programme["id"], [trust["id"]])
    theirs = api.team(client, programme["id"], [trust["id"]])
    coach = api.coach(client, trust["id"], mine["id"])
    other = api.coach(client, trust["id"], theirs["id"])
    headers = {}
    with session_factory.begin() as session:
        for name, person in (("coach", coach), ("other", other)):
            linked = uuid.UUID(person["id"])
            user = add_user(session, password_hash, Role.COACH, person["email"], member_id=linked)
            headers[name] = {"Authorization": f"Bearer {person_token(app, user)}"}
    refs = {"external_refs": [{"ods_code": trust["ods_code"], "ref": "MINE"}]}
    done = _patch(anonymous, mine["id"], refs, **headers["coach"])
    assert done.status_code == 200, done.text
    assert done.json()["external_refs"][0]["ref"] == "MINE"
    path = f"{TEAMS}/{mine['id']}"
    etag = client.get(path).headers["etag"]
    refused = anonymous.patch(path, json=refs, headers={"If-Match": etag, **headers["other"]})
    assert_problem(refused, 404)


def test_a_change_of_refs_is_audited(
    client: TestClient, trust: dict[str, Any], programme: dict[str, Any]
) -> None:
    code = trust["ods_code"]
    team = api.team(
        client, programme["id"], [trust["id"]], external_refs=[{"ods_code": code, "ref": "A"}]
    )
    refs = [{"ods_code": code, "ref": "B"}, {"system": "lifeqi", "ref": "P-9"}]
    assert _patch(client, team["id"], {"external_refs": refs}).status_code == 200
    assert _patch(client, team["id"], {"aim": "Kinder handovers"}).status_code == 200
    events = client.get(
        f"{API}/audit-events", params={"action": "team_external_refs_changed", "limit": 200}
    ).json()["items"]
    assert [(e["subject"], e["reason"]) for e in events if e["subject"] == team["id"]] == [
        (team["id"], f"{code}:A -> {code}:B lifeqi:P-9")
    ]


def test_team_refs_maps_each_pair_to_its_team(
    client: TestClient,
    session: Session,
    trust: dict[str, Any],
    programme: dict[str, Any],
) -> None:
    code = trust["ods_code"]
    a = api.team(
        client,
        programme["id"],
        [trust["id"]],
        external_refs=[{"ods_code": code, "ref": "ED Nursing"}, {"system": "lifeqi", "ref": "G-1"}],
    )
    b = api.team(
        client, programme["id"], [trust["id"]], external_refs=[{"ods_code": code, "ref": "AMU"}]
    )
    api.team(
        client,
        api.collaborative(client)["id"],
        [trust["id"]],
        external_refs=[{"ods_code": code, "ref": "Elsewhere"}],
    )
    collaborative_id = uuid.UUID(programme["id"])
    found = service.team_refs(session, collaborative_id)
    assert found == {
        (code, "ed nursing"): uuid.UUID(a["id"]),
        (code, "amu"): uuid.UUID(b["id"]),
    }
    # How an extract's row looks its team up: the cells as a trust's file has them.
    assert found[(code.lower().upper(), fold_ref("  ED NURSING "))] == uuid.UUID(a["id"])
    assert service.system_refs(session, collaborative_id, ExternalSystem.LIFEQI) == {
        "g-1": uuid.UUID(a["id"])
    }
