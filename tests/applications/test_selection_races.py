"""The selection holds under parallel requests against the real server on this run's database:
a lead withdrawing their application while the panel selects it never leaves a selected team
without its lead (nor a team from a withdrawn application), and two selections racing for the
last place fill it once."""

import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from app.auth.models import Role
from tests.api import API
from tests.applications.world import (
    MET,
    application_body,
    apply,
    close_applications,
    open_collaborative,
    person,
    select,
)
from tests.conftest import add_user, person_token
from tests.http.test_concurrency import etag_of, expect, run_rounds, statuses
from tests.live import LiveServer, admin_client, all_at_once, race_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("selection")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


@pytest.fixture(scope="module")
def trust(admin: httpx.Client) -> str:
    code = f"R{uuid.uuid4().hex[:6].upper()}"
    response = admin.post(
        f"{API}/organisations", json={"ods_code": code, "name": "Trust", "kind": "trust"}
    )
    assert response.status_code == 201, response.text
    organisation_id: str = response.json()["id"]
    return organisation_id


def _signed_in(server: LiveServer, password_hash: str, member_id: str) -> httpx.Client:
    with server.factory.begin() as session:
        user = add_user(session, password_hash, Role.MEMBER, member_id=uuid.UUID(member_id))
    token = person_token(server.app, user)
    return server.client(headers={"Authorization": f"Bearer {token}"})


def _teams(admin: httpx.Client, collaborative_id: str) -> list[dict[str, Any]]:
    listed = admin.get(f"{API}/teams", params={"collaborative_id": collaborative_id})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def _leads(admin: httpx.Client, team_id: str) -> list[str]:
    listed = admin.get(f"{API}/teams/{team_id}/members", params={"role": "lead"})
    assert listed.status_code == 200, listed.text
    return [m["member_id"] for m in listed.json()["items"]]


def test_a_lead_withdrawing_while_the_panel_selects_never_leaves_a_team_without_its_lead(
    server: LiveServer, admin: httpx.Client, trust: str, password_hash: str
) -> None:
    def one_round() -> list[str]:
        problems: list[str] = []
        cid = open_collaborative(admin)["id"]
        lead = person(admin, trust, MET)
        other = person(admin, trust)
        with _signed_in(server, password_hash, lead) as applicant:
            application = apply(applicant, cid, application_body(trust, lead, other))
            close_applications(admin, cid)
            path = f"{API}/applications/{application['id']}"
            etag = etag_of(applicant, path)
            selection, withdrawal = all_at_once(
                [
                    partial(select, admin, cid, {"selected": [application["id"]]}),
                    partial(
                        applicant.patch,
                        path,
                        json={"status": "withdrawn"},
                        headers={"If-Match": etag},
                    ),
                ]
            )
        stored = admin.get(path).json()
        teams = _teams(admin, cid)
        if selection.status_code == 200:
            # The withdrawal came second: refused, as stale or as too late.
            expect(problems, "withdrawal", withdrawal.status_code in (409, 412), True)
            expect(problems, "status", stored["status"], "selected")
            expect(problems, "teams", [t["id"] for t in teams], [stored["team_id"]])
            expect(problems, "leads", _leads(admin, stored["team_id"]), [lead])
        else:
            expect(problems, "answers", statuses([selection, withdrawal]), [200, 409])
            expect(
                problems,
                "slug",
                selection.json()["type"].rsplit(":", 1)[-1],
                ("application-status"),
            )
            expect(problems, "status", stored["status"], "withdrawn")
            expect(problems, "teams", teams, [])
        return problems

    run_rounds(one_round)


def test_two_selections_for_the_last_place_fill_it_once(admin: httpx.Client, trust: str) -> None:
    def one_round() -> list[str]:
        problems: list[str] = []
        cid = open_collaborative(admin, max_teams=1)["id"]
        applications = [
            apply(admin, cid, application_body(trust, person(admin, trust, MET))) for _ in range(2)
        ]
        close_applications(admin, cid)
        answers = all_at_once(
            [partial(select, admin, cid, {"selected": [a["id"]]}) for a in applications]
        )
        expect(problems, "answers", statuses(answers), [200, 409])
        refused = [a for a in answers if a.status_code == 409]
        for answer in refused:
            expect(problems, "slug", answer.json()["type"].rsplit(":", 1)[-1], "collaborative-full")
        teams = _teams(admin, cid)
        expect(problems, "teams", len(teams), 1)
        states = sorted(
            admin.get(f"{API}/applications/{a['id']}").json()["status"] for a in applications
        )
        expect(problems, "applications", states, ["selected", "submitted"])
        return problems

    run_rounds(one_round)
