"""The collaborative's timeline through HTTP: milestones, learning sessions, the prework and
the action periods with the cycles each saw start, per team in the caller's reach."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import api
from tests.api import API
from tests.equality_support import make_people

SESSIONS = ("2024-09-05", "2024-11-21", "2025-02-13")


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_sessions_periods_and_the_cycles_each_period_started(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    cid = people["team"]["collaborative_id"]
    path = f"{API}/collaboratives/{cid}"
    etag = client.get(path).headers["etag"]
    closing = client.patch(
        path, json={"applications_close_on": "2024-06-30"}, headers={"If-Match": etag}
    )
    assert closing.status_code == 200, closing.text
    meetings = [
        api.meeting(
            client,
            cid,
            title=f"Learning session {n + 1}",
            starts_at=f"{day}T09:30:00+00:00",
            ends_at=f"{day}T16:00:00+00:00",
        )
        for n, day in enumerate(SESSIONS)
    ]
    api.meeting(client, cid, kind="coaching", title="Coaching call")
    idea = _post(client, f"/teams/{team}/change-ideas", {"title": "Huddles"})["id"]
    cycles = [
        _post(
            client,
            f"/teams/{team}/pdsa-cycles",
            {"change_idea_id": idea, "title": f"Cycle {n + 1}", "starts_on": day},
        )
        for n, day in enumerate(("2024-09-10", "2024-11-21", "2025-03-03"))
    ]

    response = client.get(f"{path}/timeline", headers=people["headers"]["bob"])
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    shape = [
        (e["kind"], e.get("name") or e.get("title"), e.get("date") or e.get("starts_on"))
        for e in entries
    ]
    assert shape == [
        ("milestone", "applications_close", "2024-06-30"),
        ("milestone", "start", "2024-07-31"),
        ("prework", None, "2024-07-31"),
        ("learning_session", "Learning session 1", "2024-09-05"),
        ("action_period", None, "2024-09-05"),
        ("learning_session", "Learning session 2", "2024-11-21"),
        ("action_period", None, "2024-11-21"),
        ("learning_session", "Learning session 3", "2025-02-13"),
        ("action_period", None, "2025-02-13"),
        ("milestone", "end", "2025-09-22"),
    ]
    assert entries[3]["meeting_id"] == meetings[0]["id"]
    periods = [e for e in entries if e["kind"] == "action_period"]
    assert [(p["starts_on"], p["ends_on"]) for p in periods] == [
        ("2024-09-05", "2024-11-21"),
        ("2024-11-21", "2025-02-13"),
        ("2025-02-13", "2025-09-22"),
    ]
    assert [[c["id"] for c in p["pdsa_cycles"].get(team, [])] for p in periods] == [
        [cycles[0]["id"]],
        [cycles[1]["id"]],
        [cycles[2]["id"]],
    ]
    assert periods[0]["pdsa_cycles"][team][0] | {"id": None} == {
        "id": None,
        "change_idea_id": idea,
        "number": 1,
        "title": "Cycle 1",
        "starts_on": "2024-09-10",
        "status": "planned",
        "decision": None,
    }
    # Another team's member sees the programme, not this team's cycles.
    other = make_people(client, app, session_factory, password_hash, name="Other")
    theirs = client.get(f"{path}/timeline", headers=other["headers"]["alice"]).json()
    assert all(e.get("pdsa_cycles", {}) == {} for e in theirs["entries"])
    assert len(theirs["entries"]) == len(entries)
