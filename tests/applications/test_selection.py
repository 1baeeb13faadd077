"""The acceptance walk-through of applications and selection, through HTTP only: seven
applications, two panel members' reviews, six selected in one call (one lead rule
overridden, audited), the teams created, and a seventh place refused with nothing changed."""

import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.clock import today
from tests import api
from tests.api import API, assert_problem
from tests.applications.world import (
    MET,
    NOT_MET,
    application_body,
    apply,
    change,
    close_applications,
    open_collaborative,
    person,
    review,
    select,
)
from tests.conftest import add_user, person_token


def _coach(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
    organisation_id: str,
) -> TestClient:
    """A coach (panel member) whose member record is in `organisation_id`."""
    member_id = person(client, organisation_id)
    with session_factory.begin() as session:
        user = add_user(session, password_hash, Role.COACH, member_id=uuid.UUID(member_id))
    token = person_token(app, user)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _teams(client: TestClient, collaborative_id: str) -> list[dict[str, Any]]:
    listed = client.get(f"{API}/teams", params={"collaborative_id": collaborative_id})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def _members(client: TestClient, team_id: str) -> list[tuple[str, str, str]]:
    listed = client.get(f"{API}/teams/{team_id}/members")
    assert listed.status_code == 200, listed.text
    return sorted((m["member_id"], m["role"], m["joined_on"]) for m in listed.json()["items"])


def test_seven_apply_two_review_six_are_selected_and_a_seventh_place_is_refused(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    trusts = [api.organisation(client)["id"] for _ in range(2)]
    icb = api.organisation(client, kind="icb")["id"]
    collaborative = open_collaborative(client)
    cid = collaborative["id"]
    # Six leads meet the rule; the fourth does not.
    leads = [person(client, trusts[n % 2], NOT_MET if n == 3 else MET) for n in range(7)]
    others = [person(client, trusts[n % 2]) for n in range(7)]
    applications = [
        apply(client, cid, application_body(trusts[n % 2], leads[n], others[n])) for n in range(7)
    ]
    assert [a["status"] for a in applications] == ["submitted"] * 7
    assert [a["lead_criterion_met"] for a in applications] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
    ]
    close_applications(client, cid)

    # Two panel members: the admin (no member record) and a coach from the ICB.
    coach = _coach(client, app, session_factory, password_hash, icb)
    for n, application in enumerate(applications):
        first = review(client, application["id"], aim=5 - n % 5, frontline=3, support=4)
        assert first.status_code == 201, first.text
        second = review(coach, application["id"], aim=3, frontline=1 + n % 5, support=4)
        assert second.status_code == 201, second.text
        assert second.json()["scores"] == {"aim": 3, "frontline": 1 + n % 5, "support": 4}
    # The coach sees every application (the panel), but no lead rule verdict.
    ranked = coach.get(f"{API}/collaboratives/{cid}/applications", params={"order": "score"})
    assert ranked.status_code == 200, ranked.text
    items = ranked.json()["items"]
    assert len(items) == 7
    assert all("lead_criterion_met" not in item for item in items)
    assert all("override_reason" not in item for item in items)
    assert [item["reviews"] for item in items] == [2] * 7
    # Weighted mean of criterion means, weights 2:1:1.
    expected = {
        a["id"]: (2 * (5 - n % 5 + 3) / 2 + (3 + 1 + n % 5) / 2 + 4) / 4
        for n, a in enumerate(applications)
    }
    assert [item["score"] for item in items] == sorted(expected.values(), reverse=True)
    assert {item["id"]: item["score"] for item in items} == expected

    # The six best but one, plus the one whose lead does not meet the rule, overridden.
    chosen = [a["id"] for a in applications[:6]]
    overridden = applications[3]["id"]
    answer = select(
        client,
        cid,
        {
            "selected": chosen,
            "decline_others": True,
            "override_reasons": {overridden: "The panel judged the team's plan exceptional."},
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["declined"] == [applications[6]["id"]]
    teams = body["teams"]
    assert [t["name"] for t in teams] == [a["team_name"] for a in applications[:6]]
    assert {t["status"] for t in teams} == {"selected"}
    assert [t["aim"] for t in teams] == [a["aim"] for a in applications[:6]]
    assert [t["organisation_ids"] for t in teams] == [[trusts[n % 2]] for n in range(6)]
    assert [t["lead_criterion_met"] for t in teams] == [True, True, True, False, True, True]
    starts_on = collaborative["starts_on"]
    for n, team in enumerate(teams):
        assert _members(client, team["id"]) == sorted(
            [(leads[n], "lead", starts_on), (others[n], "member", starts_on)]
        )
    assert sorted(t["id"] for t in _teams(client, cid)) == sorted(t["id"] for t in teams)

    stored = client.get(f"{API}/applications/{overridden}").json()
    assert stored["status"] == "selected"
    assert stored["team_id"] == teams[3]["id"]
    assert stored["override_reason"] == "The panel judged the team's plan exceptional."
    events = client.get(
        f"{API}/audit-events", params={"action": "application_lead_overridden"}
    ).json()["items"]
    assert [e["subject"] for e in events] == [overridden]
    assert "exceptional" not in str(events)
    after = client.get(f"{API}/collaboratives/{cid}").json()
    assert after["selected_on"] == str(today())

    # A seventh place: the declined application, offered a place, is refused; nothing changes.
    refused = select(client, cid, {"selected": [applications[6]["id"]]})
    problem = assert_problem(refused, 409)
    assert problem["type"].endswith(":collaborative-full")
    assert "6 places and 6 are taken" in problem["detail"]
    assert len(_teams(client, cid)) == 6
    assert client.get(f"{API}/applications/{applications[6]['id']}").json()["status"] == (
        "declined"
    )


def test_a_lead_rule_not_met_without_a_reason_is_refused_and_nothing_changes(
    client: TestClient,
) -> None:
    trust = api.organisation(client)["id"]
    collaborative = open_collaborative(client)
    cid = collaborative["id"]
    good = apply(client, cid, application_body(trust, person(client, trust, MET)))
    unknown = apply(client, cid, application_body(trust, person(client, trust)))
    close_applications(client, cid)
    assert unknown["lead_criterion_met"] is None
    answer = select(client, cid, {"selected": [good["id"], unknown["id"]], "decline_others": True})
    problem = assert_problem(answer, 409)
    assert problem["type"].endswith(":lead-criterion-not-met")
    assert unknown["id"] in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "selected", 1]
    assert _teams(client, cid) == []
    for application in (good, unknown):
        stored = client.get(f"{API}/applications/{application['id']}").json()
        assert (stored["status"], stored["team_id"]) == ("submitted", None)
    assert client.get(f"{API}/collaboratives/{cid}").json()["selected_on"] is None


def test_selection_waits_for_the_closing_day_and_takes_only_open_applications(
    client: TestClient,
) -> None:
    trust = api.organisation(client)["id"]
    collaborative = open_collaborative(client)
    cid = collaborative["id"]
    lead = person(client, trust, MET)
    application = apply(client, cid, application_body(trust, lead))
    early = assert_problem(select(client, cid, {"selected": [application["id"]]}), 409)
    assert early["type"].endswith(":applications-open")
    close_applications(client, cid)
    late = client.post(
        f"{API}/collaboratives/{cid}/applications",
        json=application_body(trust, person(client, trust, MET)),
    )
    assert assert_problem(late, 409)["type"].endswith(":applications-closed")

    withdrawn = change(client, application["id"], {"status": "withdrawn"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    refused = assert_problem(select(client, cid, {"selected": [application["id"]]}), 409)
    assert refused["type"].endswith(":application-status")
    assert "`withdrawn`" in refused["detail"]
    other = open_collaborative(client)
    close_applications(client, other["id"])
    stranger = assert_problem(select(client, other["id"], {"selected": [application["id"]]}), 422)
    assert stranger["errors"][0]["loc"] == ["body", "selected", 0]


def test_selection_body_shapes_are_checked(client: TestClient) -> None:
    trust = api.organisation(client)["id"]
    cid = open_collaborative(client)["id"]
    application = apply(client, cid, application_body(trust, person(client, trust, MET)))
    close_applications(client, cid)
    twice = select(client, cid, {"selected": [application["id"]] * 2})
    repeated = assert_problem(twice, 422)["errors"][0]
    assert repeated["loc"] == ["body", "selected"]
    assert "named twice" in repeated["message"]
    stray = select(
        client,
        cid,
        {"selected": [application["id"]], "override_reasons": {str(uuid.uuid4()): "Because."}},
    )
    problem = assert_problem(stray, 422)
    assert problem["errors"][0]["loc"][:2] == ["body", "override_reasons"]
    assert problem["errors"][0]["message"] == "not a selected application"


def test_a_selected_team_joins_on_the_selection_day_once_the_collaborative_runs(
    client: TestClient,
) -> None:
    """Memberships start on the later of the selection day and the collaborative's start."""
    trust = api.organisation(client)["id"]
    day = today()
    cid = open_collaborative(client, starts_on=str(day - timedelta(days=10)), status="running")[
        "id"
    ]
    lead = person(client, trust, MET)
    application = apply(client, cid, application_body(trust, lead))
    close_applications(client, cid)
    answer = select(client, cid, {"selected": [application["id"]]})
    assert answer.status_code == 200, answer.text
    team = answer.json()["teams"][0]
    assert _members(client, team["id"]) == [(lead, "lead", str(day))]


def test_a_team_name_is_taken_once(client: TestClient) -> None:
    """A selected application's name must be free among the collaborative's teams and the
    others selected with it (the teams' unique key); the refusal names the application."""
    trust = api.organisation(client)["id"]
    cid = open_collaborative(client)["id"]
    twins = [
        apply(
            client,
            cid,
            application_body(trust, person(client, trust, MET), team_name="Ward 7 nursing"),
        )
        for _ in range(2)
    ]
    existing = api.team(client, cid, [trust])
    clash = apply(
        client,
        cid,
        application_body(trust, person(client, trust, MET), team_name=existing["name"]),
    )
    close_applications(client, cid)
    for selected, index in (([t["id"] for t in twins], 1), ([clash["id"]], 0)):
        problem = assert_problem(select(client, cid, {"selected": selected}), 409)
        assert problem["type"].endswith(":duplicate-team-name")
        assert problem["errors"][0]["loc"] == ["body", "selected", index]
    assert [t["id"] for t in _teams(client, cid)] == [existing["id"]]
