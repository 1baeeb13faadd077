"""Progress scores through HTTP: the scale, who gives which score, one per assessor and
meeting, and a collaborative's progress with both assessors per learning session."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import api
from tests.api import API, assert_problem
from tests.equality_support import make_people

SPEC_SCALE = [
    (0.5, "Intent to participate"),
    (1.0, "Charter and team established"),
    (1.5, "Planning for the project has begun"),
    (2.0, "Activity, but no changes"),
    (2.5, "Changes tested, but no improvement"),
    (3.0, "Modest improvement"),
    (3.5, "Improvement"),
    (4.0, "Significant improvement"),
    (4.5, "Sustainable improvement"),
    (5.0, "Outstanding sustainable results"),
]


def test_the_scale_lists_the_ten_levels_of_the_spec(client: TestClient) -> None:
    response = client.get(f"{API}/progress-scale")
    assert response.status_code == 200, response.text
    levels = response.json()
    assert [(level["score"], level["label"]) for level in levels] == SPEC_SCALE
    assert levels[5]["definition"].startswith("Successful tests for some components")
    assert all(level["definition"] for level in levels)


def _selected(client: TestClient, team_id: str) -> None:
    path = f"{API}/teams/{team_id}"
    etag = client.get(path).headers["etag"]
    changed = client.patch(path, json={"status": "selected"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text


def _score(
    caller: TestClient, team_id: str, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return caller.post(f"{API}/teams/{team_id}/progress-scores", json=body, headers=headers)


def test_both_assessors_score_each_learning_session_and_a_repeat_replaces(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    headers = people["headers"]
    _selected(client, team)
    cid = people["team"]["collaborative_id"]
    sessions = [
        api.meeting(
            client,
            cid,
            title=f"Learning session {n + 1}",
            starts_at=f"2024-{9 + 2 * n:02d}-05T09:30:00+01:00",
            ends_at=f"2024-{9 + 2 * n:02d}-05T16:00:00+01:00",
        )
        for n in range(2)
    ]
    first = _score(
        client, team, headers["alice"], score=1.5, assessor="team", meeting_id=sessions[0]["id"]
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"].endswith(f"/progress-scores/{first.json()['id']}")
    assert (first.json()["label"], first.json()["assessed_on"]) == (
        "Planning for the project has begun",
        "2024-09-05",
    )
    coach = _score(
        client,
        team,
        headers["coach"],
        score=1.0,
        assessor="coach",
        meeting_id=sessions[0]["id"],
        rationale="Charter agreed; no tests yet.",
    )
    assert coach.status_code == 201, coach.text
    # Bob (a member) revises the team's score for the same session: it replaces Alice's.
    again = _score(
        client, team, headers["bob"], score=2.0, assessor="team", meeting_id=sessions[0]["id"]
    )
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["score"]) == (first.json()["id"], 2.0)
    later = [
        _score(
            client, team, headers["alice"], score=2.5, assessor="team", meeting_id=sessions[1]["id"]
        ),
        _score(
            client,
            team,
            headers["coach"],
            score=2.0,
            assessor="coach",
            meeting_id=sessions[1]["id"],
        ),
    ]
    assert [r.status_code for r in later] == [201, 201]

    listed = client.get(f"{API}/teams/{team}/progress-scores", headers=headers["bob"])
    assert listed.status_code == 200, listed.text
    history = [(s["assessed_on"], s["assessor"], s["score"]) for s in listed.json()["items"]]
    assert sorted(history) == [
        ("2024-09-05", "coach", 1.0),
        ("2024-09-05", "team", 2.0),
        ("2024-11-05", "coach", 2.0),
        ("2024-11-05", "team", 2.5),
    ]
    progress = client.get(f"{API}/collaboratives/{cid}/progress", headers=headers["coach"])
    assert progress.status_code == 200, progress.text
    (entry,) = progress.json()["teams"]
    assert (
        entry["team_id"],
        entry["latest"]["team"]["score"],
        entry["latest"]["coach"]["score"],
    ) == (
        team,
        2.5,
        2.0,
    )
    per_session = {
        meeting["id"]: sorted(
            s["assessor"] for s in entry["history"] if s["meeting_id"] == meeting["id"]
        )
        for meeting in sessions
    }
    assert per_session == {m["id"]: ["coach", "team"] for m in sessions}
    assert [s["assessed_on"] for s in entry["history"]] == sorted(
        s["assessed_on"] for s in entry["history"]
    )


def test_who_gives_which_score(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    headers = people["headers"]
    as_coach = _score(client, team, headers["alice"], score=3.0, assessor="coach")
    assert "team's coach" in assert_problem(as_coach, 403)["detail"]
    as_team = _score(client, team, headers["coach"], score=3.0, assessor="team")
    assert "current members" in assert_problem(as_team, 403)["detail"]
    assert_problem(_score(client, team, headers["client"], score=3.0, assessor="team"), 403)
    off_scale = _score(client, team, headers["alice"], score=2.7, assessor="team")
    problem = assert_problem(off_scale, 422)
    assert problem["errors"][0]["loc"] == ["body", "score"]
    assert "0.5, 1.0, 1.5" in problem["errors"][0]["message"]
    elsewhere = api.meeting(client, api.collaborative(client)["id"])
    stray = _score(
        client, team, headers["alice"], score=3.0, assessor="team", meeting_id=elsewhere["id"]
    )
    assert assert_problem(stray, 422)["errors"][0]["loc"] == ["body", "meeting_id"]
    # Scores without a meeting may be many; admins give either kind.
    for _ in range(2):
        assert _score(client, team, score=3.0, assessor="coach").status_code == 201
    listed = client.get(f"{API}/teams/{team}/progress-scores", params={"assessor": "coach"})
    assert [s["score"] for s in listed.json()["items"]] == [3.0, 3.0]

    # Another team's people do not reach this team's scores.
    other = make_people(client, app, session_factory, password_hash)
    assert_problem(
        client.get(f"{API}/teams/{team}/progress-scores", headers=other["headers"]["alice"]),
        404,
    )
    assert_problem(_score(client, team, other["headers"]["alice"], score=1.0, assessor="team"), 404)
