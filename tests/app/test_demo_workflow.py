"""The demo tells the collaborative's story through the API: applications (more than six, some
declined), the panel's reviews and the selection, each team's diagram, ideas (some shared,
some abandoned) and cycles, and both assessors' scores at each learning session."""

from collections import Counter

import pytest
from fastapi.testclient import TestClient

from tests.api import API
from tests.cli.test_demo import _all, demo_client, demo_url

__all__ = ["demo_client", "demo_url"]  # test_demo's fixtures, used here too

pytestmark = pytest.mark.slow  # loads the demo in a subprocess


def test_the_demo_collaborative_has_its_applications_ideas_cycles_and_scores(
    demo_client: TestClient,
) -> None:
    (collaborative,) = _all(demo_client, "/collaboratives")
    cid = collaborative["id"]
    assert (collaborative["applications_close_on"], collaborative["selected_on"]) == (
        "2024-06-30",
        "2024-07-15",
    )
    applications = _all(demo_client, f"/collaboratives/{cid}/applications", order="score")
    statuses = Counter(a["status"] for a in applications)
    assert statuses == {"selected": 6, "declined": 2, "withdrawn": 1}
    # Ranked by the panel's scores: the six selected first, the withdrawn one unscored last.
    assert [a["status"] for a in applications[:6]] == ["selected"] * 6
    assert applications[-1]["score"] is None
    assert all(a["reviews"] == 2 for a in applications if a["status"] != "withdrawn")
    teams = _all(demo_client, "/teams", collaborative_id=cid)
    assert sorted(a["team_id"] for a in applications if a["team_id"]) == sorted(
        t["id"] for t in teams
    )
    reviews = demo_client.get(f"{API}/applications/{applications[0]['id']}/reviews").json()
    assert len(reviews) == 2

    all_ideas = []
    for team in teams:
        diagram = demo_client.get(f"{API}/teams/{team['id']}/driver-diagram").json()
        assert len(diagram["primary_drivers"]) == 2
        ideas = _all(demo_client, f"/teams/{team['id']}/change-ideas")
        cycles = _all(demo_client, f"/teams/{team['id']}/pdsa-cycles")
        assert len(cycles) >= 1
        assert all(c["status"] == "done" and c["decision"] for c in cycles)
        all_ideas += ideas
        progress = _all(demo_client, f"/teams/{team['id']}/progress-scores")
        per_session = Counter(s["meeting_id"] for s in progress)
        assert len(per_session) == 5
        assert set(per_session.values()) == {2}
    outcomes = Counter(i["status"] for i in all_ideas)
    assert outcomes["adopted"] >= 4
    assert outcomes["abandoned"] >= 3
    assert sum(1 for i in all_ideas if i["shared"]) >= 6
    package = demo_client.get(f"{API}/collaboratives/{cid}/change-package").json()
    assert {g["driver"] for g in package["groups"]} >= {"Protected breaks", "Flexible rostering"}

    meetings = _all(demo_client, "/meetings", collaborative_id=cid)
    (third,) = [m for m in meetings if m["starts_at"].startswith("2025-02-13")]
    pack = demo_client.get(f"{API}/meetings/{third['id']}/report").json()
    assert pack["previous_session"]["date"] == "2024-11-21"
    assert sum(len(t["cycles_started"]) for t in pack["teams"]) >= 3
    assert all(t["progress"]["team"]["change"] is not None for t in pack["teams"])
    assert all(t["previous_attendees"] for t in pack["teams"])
