"""Applications and reviews through HTTP: who applies and sees what, shapes, changes while
submitted, the panel's scores and the `?order=score` ranking."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, Scope
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
from tests.conftest import add_client, add_user, client_token, person_token


class People:
    """A trust, a collaborative taking applications, and callers of each kind."""

    def __init__(
        self,
        client: TestClient,
        app: FastAPI,
        session_factory: sessionmaker[Session],
        password_hash: str,
    ) -> None:
        self.admin = client
        self.trust = api.organisation(client)
        self.collaborative = open_collaborative(client)
        self.cid = self.collaborative["id"]
        self.ann = person(client, self.trust["id"], NOT_MET)
        self.ben = person(client, self.trust["id"], MET)
        self.coach_member = person(client, api.organisation(client, kind="icb")["id"])
        self.home_coach_member = person(client, self.trust["id"])
        with session_factory.begin() as session:
            users = {
                "ann": add_user(session, password_hash, Role.MEMBER, member_id=uuid.UUID(self.ann)),
                "ben": add_user(session, password_hash, Role.MEMBER, member_id=uuid.UUID(self.ben)),
                "coach": add_user(
                    session, password_hash, Role.COACH, member_id=uuid.UUID(self.coach_member)
                ),
                "home_coach": add_user(
                    session, password_hash, Role.COACH, member_id=uuid.UUID(self.home_coach_member)
                ),
            }
            machine = add_client(session, [Scope.READ])
        self.callers = {
            name: TestClient(app, headers={"Authorization": f"Bearer {person_token(app, user)}"})
            for name, user in users.items()
        }
        self.callers["client"] = TestClient(
            app, headers={"Authorization": f"Bearer {client_token(app, machine)}"}
        )

    def __getitem__(self, name: str) -> TestClient:
        return self.callers[name]

    def applications(self, caller: TestClient, **params: Any) -> Any:
        return caller.get(f"{API}/collaboratives/{self.cid}/applications", params=params)


@pytest.fixture
def people(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> Iterator[People]:
    built = People(client, app, session_factory, password_hash)
    yield built
    for caller in built.callers.values():
        caller.close()


def test_people_apply_as_lead_and_see_their_own_applications(people: People) -> None:
    trust = people.trust["id"]
    mine = apply(people["ann"], people.cid, application_body(trust, people.ann, people.ben))
    assert mine["members"] == [
        {"member_id": people.ann, "role": "lead"},
        {"member_id": people.ben, "role": "member"},
    ]
    # Ann sees her own verdict (she is the proposed lead); the reason stays admins'.
    assert mine["lead_criterion_met"] is False
    assert "override_reason" not in mine
    assert mine["sponsor"]["job_title"] == "Deputy Chief Nurse"
    on_behalf = people["ann"].post(
        f"{API}/collaboratives/{people.cid}/applications",
        json=application_body(trust, people.ben, people.ann),
    )
    assert "names its submitter as the lead" in assert_problem(on_behalf, 403)["detail"]
    admins = apply(people.admin, people.cid, application_body(trust, people.ben))

    # Ben leads the admin's application, not Ann's: each sees theirs alone.
    assert [a["id"] for a in people.applications(people["ann"]).json()["items"]] == [mine["id"]]
    bens = people.applications(people["ben"]).json()["items"]
    assert [(a["id"], a["lead_criterion_met"]) for a in bens] == [(admins["id"], True)]
    assert_problem(people["ben"].get(f"{API}/applications/{mine['id']}"), 404)
    # The panel sees them all, without the verdicts; a machine client is refused.
    panel = people.applications(people["coach"]).json()["items"]
    assert [a["id"] for a in panel] == [mine["id"], admins["id"]]
    assert all("lead_criterion_met" not in a for a in panel)
    assert_problem(people.applications(people["client"]), 403)
    admin_view = people.applications(people.admin).json()["items"]
    assert [a["lead_criterion_met"] for a in admin_view] == [False, True]


def test_shape_errors_are_422_naming_the_field(people: People) -> None:
    trust = people.trust["id"]
    path = f"{API}/collaboratives/{people.cid}/applications"
    two_leads = application_body(trust, people.ann)
    two_leads["members"].append({"member_id": people.ben, "role": "lead"})
    problem = assert_problem(people.admin.post(path, json=two_leads), 422)
    assert problem["errors"][0]["loc"] == ["body", "members"]
    assert "exactly one member must have role `lead`; 2 do" in problem["errors"][0]["message"]
    crowd = [person(people.admin, trust) for _ in range(5)]
    too_many = application_body(trust, people.ann, *crowd)
    problem = assert_problem(people.admin.post(path, json=too_many), 422)
    assert problem["errors"] == [
        {
            "loc": ["body", "members"],
            "message": "at most 5 members (the collaborative's max_team_size); 6 given",
        }
    ]
    ghost = str(uuid.uuid4())
    problem = assert_problem(
        people.admin.post(path, json=application_body(trust, people.ann, ghost)), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "members", 1, "member_id"]
    zero_hours = application_body(trust, people.ann, time_commitment_hours_per_month=0)
    problem = assert_problem(people.admin.post(path, json=zero_hours), 422)
    assert problem["errors"][0]["loc"] == ["body", "time_commitment_hours_per_month"]
    assert people.applications(people.admin).json()["items"] == []


def test_an_application_changes_only_while_submitted(people: People) -> None:
    trust = people.trust["id"]
    mine = apply(people["ann"], people.cid, application_body(trust, people.ann))
    changed = change(people["ann"], mine["id"], {"aim": "Keep newly qualified nurses."})
    assert changed.status_code == 200, changed.text
    assert changed.json()["aim"] == "Keep newly qualified nurses."
    assert changed.json()["version"] == mine["version"] + 1
    # The panel reviews; it does not edit.
    refused = change(people["coach"], mine["id"], {"aim": "Something else."})
    assert assert_problem(refused, 403)["detail"].startswith("Only the applicant")
    assert change(people["ann"], mine["id"], {"status": "withdrawn"}).status_code == 200
    again = change(people["ann"], mine["id"], {"aim": "Back again."})
    assert assert_problem(again, 409)["type"].endswith(":application-status")
    assert people.admin.get(f"{API}/applications/{mine['id']}").json()["aim"] == (
        "Keep newly qualified nurses."
    )
    not_a_decision = change(people["ann"], mine["id"], {"status": "selected"})
    problem = assert_problem(not_a_decision, 422)
    assert problem["errors"][0]["loc"] == ["body", "status"]
    assert "withdrawn" in problem["errors"][0]["message"]

    path = f"{API}/applications/{mine['id']}"
    etag = people["ann"].get(path).headers["etag"]
    assert people["ann"].delete(path, headers={"If-Match": etag}).status_code == 204
    assert_problem(people.admin.get(path), 404)


def test_a_selected_application_is_kept(people: People) -> None:
    trust = people.trust["id"]
    chosen = apply(people.admin, people.cid, application_body(trust, people.ben))
    close_applications(people.admin, people.cid)
    assert select(people.admin, people.cid, {"selected": [chosen["id"]]}).status_code == 200
    path = f"{API}/applications/{chosen['id']}"
    etag = people.admin.get(path).headers["etag"]
    refused = people.admin.delete(path, headers={"If-Match": etag})
    assert "kept as the team's record" in assert_problem(refused, 409)["detail"]


def test_reviews_score_every_criterion_once_per_reviewer(people: People) -> None:
    trust = people.trust["id"]
    mine = apply(people["ann"], people.cid, application_body(trust, people.ann))
    missing = review(people["coach"], mine["id"], aim=4, frontline=4)
    problem = assert_problem(missing, 422)
    assert problem["errors"] == [
        {"loc": ["body", "scores", "support"], "message": "every criterion must be scored"}
    ]
    stray = review(people["coach"], mine["id"], aim=4, frontline=4, support=4, cost=2)
    assert assert_problem(stray, 422)["errors"][0]["loc"] == ["body", "scores", "cost"]
    out_of_range = review(people["coach"], mine["id"], aim=6, frontline=4, support=4)
    assert assert_problem(out_of_range, 422)["errors"][0]["loc"][:3] == ["body", "scores", "aim"]

    first = review(people["coach"], mine["id"], aim=4, frontline=2, support=2)
    assert first.status_code == 201, first.text
    assert people.admin.get(f"{API}/applications/{mine['id']}").json()["score"] == 3.0
    unconditional = review(people["coach"], mine["id"], aim=5, frontline=1, support=3)
    assert_problem(unconditional, 428)
    replaced = review(
        people["coach"], mine["id"], aim=5, frontline=1, support=3, etag=first.headers["etag"]
    )
    assert replaced.status_code == 200, replaced.text
    stale = review(
        people["coach"], mine["id"], aim=1, frontline=1, support=1, etag=first.headers["etag"]
    )
    assert_problem(stale, 412)
    assert replaced.json()["id"] == first.json()["id"]
    by_admin = review(people.admin, mine["id"], aim=3, frontline=5, support=1)
    assert by_admin.status_code == 201, by_admin.text
    # Criterion means 4, 3, 2 weighted 2:1:1.
    read = people.admin.get(f"{API}/applications/{mine['id']}").json()
    assert (read["score"], read["reviews"]) == ((2 * 4 + 3 + 2) / 4, 2)

    listed = people["coach"].get(f"{API}/applications/{mine['id']}/reviews")
    assert listed.status_code == 200, listed.text
    assert [r["scores"] for r in listed.json()] == [
        {"aim": 5, "frontline": 1, "support": 3},
        {"aim": 3, "frontline": 5, "support": 1},
    ]
    assert_problem(people["ann"].get(f"{API}/applications/{mine['id']}/reviews"), 403)
    assert_problem(review(people["ann"], mine["id"], aim=5, frontline=5, support=5), 403)
    home = review(people["home_coach"], mine["id"], aim=1, frontline=1, support=1)
    assert assert_problem(home, 409)["type"].endswith(":own-organisation")
    assert people.admin.get(f"{API}/applications/{mine['id']}").json()["reviews"] == 2


def test_new_criteria_rescore_and_the_ranking_pages(people: People) -> None:
    trust = people.trust["id"]
    apps = [apply(people.admin, people.cid, application_body(trust, people.ben)) for _ in range(3)]
    assert review(people.admin, apps[0]["id"], aim=2, frontline=5, support=5).status_code == 201
    assert review(people.admin, apps[1]["id"], aim=4, frontline=1, support=1).status_code == 201
    first = people.applications(people.admin, order="score", limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [(a["id"], a["score"]) for a in page["items"]] == [
        (apps[0]["id"], 3.5),
        (apps[1]["id"], 2.5),
    ]
    rest = people.applications(people.admin, order="score", limit=2, cursor=page["next_cursor"])
    assert [(a["id"], a["score"]) for a in rest.json()["items"]] == [(apps[2]["id"], None)]
    assert rest.json()["next_cursor"] is None
    mixed = people.applications(people.admin, limit=2, cursor=page["next_cursor"])
    assert "start again without it" in assert_problem(mixed, 400)["detail"]

    path = f"{API}/collaboratives/{people.cid}"
    etag = people.admin.get(path).headers["etag"]
    reweighted = [{"code": "aim", "name": "Clarity of aim", "weight": 1}]
    changed = people.admin.patch(
        path, json={"selection_criteria": reweighted}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    ranked = people.applications(people.admin, order="score").json()["items"]
    assert [(a["id"], a["score"]) for a in ranked] == [
        (apps[1]["id"], 4.0),
        (apps[0]["id"], 2.0),
        (apps[2]["id"], None),
    ]


def test_a_collaborative_without_criteria_cannot_be_reviewed(people: People) -> None:
    trust = people.trust["id"]
    bare = open_collaborative(people.admin, selection_criteria=[])
    application = apply(people.admin, bare["id"], application_body(trust, people.ben))
    refused = review(people.admin, application["id"], aim=3)
    assert assert_problem(refused, 409)["type"].endswith(":no-selection-criteria")


def test_criterion_codes_are_distinct(client: TestClient) -> None:
    twice = [
        {"code": "aim", "name": "Aim", "weight": 1},
        {"code": "aim", "name": "Aim", "weight": 2},
    ]
    response = client.post(
        f"{API}/collaboratives",
        json={
            "name": "Twice",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "selection_criteria": twice,
        },
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "selection_criteria"]
    assert "criterion codes repeat: aim" in problem["errors"][0]["message"]
