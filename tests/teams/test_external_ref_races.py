"""A (ods_code, ref) pair stays with one team of a collaborative when teams claim it at once,
on creation and by PATCH, against the real server on this run's database."""

import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from tests.api import API
from tests.http.test_concurrency import etag_of, expect, run_rounds, statuses
from tests.live import LiveServer, admin_client, all_at_once, race_server

TEAMS = f"{API}/teams"
CLAIMANTS = 8
SLUG = "duplicate-external-ref"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("refs")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


@pytest.fixture(scope="module")
def context(admin: httpx.Client) -> dict[str, str]:
    code = f"R{uuid.uuid4().hex[:6].upper()}"
    organisation = admin.post(
        f"{API}/organisations", json={"ods_code": code, "name": "Trust", "kind": "trust"}
    ).json()
    collaborative = admin.post(
        f"{API}/collaboratives",
        json={"name": "Ref races", "starts_on": "2024-07-31", "ends_on": "2025-09-22"},
    ).json()
    return {"ods_code": code, "org": organisation["id"], "collab": collaborative["id"]}


def _refusals_are_the_duplicate(
    problems: list[str], answers: list[httpx.Response], instance: str | None
) -> None:
    for answer in answers:
        if answer.status_code != 409:
            continue
        body = answer.json()
        expect(problems, "slug", body["type"], f"urn:qi-collaborative:problem:{SLUG}")
        expect(
            problems,
            "errors",
            body["errors"],
            [{"loc": ["body", "external_refs", 0, "ref"], "message": "already taken"}],
        )
        if instance is not None:
            expect(problems, "instance", body["instance"], instance)


def _holders(admin: httpx.Client, context: dict[str, str], ref: str) -> list[str]:
    listed = admin.get(TEAMS, params={"collaborative_id": context["collab"], "limit": 200})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return [
        team["id"]
        for team in items
        if any(r["ref"].casefold() == ref.casefold() for r in team["external_refs"])
    ]


def test_parallel_new_teams_with_one_pair_make_one_holder(
    admin: httpx.Client, context: dict[str, str]
) -> None:
    def one_round() -> list[str]:
        problems: list[str] = []
        ref = f"ED-{uuid.uuid4().hex[:8]}"
        bodies = [
            {
                "collaborative_id": context["collab"],
                "name": f"Team {uuid.uuid4().hex[:8]}",
                "organisation_ids": [context["org"]],
                # The same pair written differently by each claimant.
                "external_refs": [
                    {"ods_code": context["ods_code"].lower(), "ref": f" {ref.upper()} "}
                    if n % 2
                    else {"ods_code": context["ods_code"], "ref": ref.lower()}
                ],
            }
            for n in range(CLAIMANTS)
        ]
        answers = all_at_once([partial(admin.post, TEAMS, json=body) for body in bodies])
        expect(problems, "statuses", statuses(answers), [201] + [409] * (CLAIMANTS - 1))
        _refusals_are_the_duplicate(problems, answers, TEAMS)
        winners = [a.json()["id"] for a in answers if a.status_code == 201]
        expect(problems, "holders", _holders(admin, context, ref), winners)
        return problems

    run_rounds(one_round)


def test_parallel_patches_claiming_one_pair_leave_one_holder(
    admin: httpx.Client, context: dict[str, str]
) -> None:
    teams = [
        admin.post(
            TEAMS,
            json={
                "collaborative_id": context["collab"],
                "name": f"Claimant {uuid.uuid4().hex[:8]}",
                "organisation_ids": [context["org"]],
            },
        ).json()["id"]
        for _ in range(CLAIMANTS)
    ]

    def one_round() -> list[str]:
        problems: list[str] = []
        ref = f"AMU-{uuid.uuid4().hex[:8]}"
        body = {"external_refs": [{"ods_code": context["ods_code"], "ref": ref}]}
        calls = [
            partial(
                admin.patch,
                f"{TEAMS}/{team}",
                json=body,
                headers={"If-Match": etag_of(admin, f"{TEAMS}/{team}")},
            )
            for team in teams
        ]
        answers = all_at_once(calls)
        expect(problems, "statuses", statuses(answers), [200] + [409] * (CLAIMANTS - 1))
        _refusals_are_the_duplicate(problems, answers, None)
        winners = [a.json()["id"] for a in answers if a.status_code == 200]
        expect(problems, "holders", _holders(admin, context, ref), winners)
        return problems

    run_rounds(one_round)
