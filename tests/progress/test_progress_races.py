"""One progress score per team, assessor and meeting when several arrive at once, against the
real server on this run's database: one is created, the others replace it, one row remains."""

from collections.abc import Iterator
from functools import partial

import httpx
import pytest

from tests.api import API
from tests.http.test_concurrency import expect, run_rounds, statuses
from tests.live import (
    LiveServer,
    admin_client,
    all_at_once,
    created_over_http,
    race_server,
    team_over_http,
)

SCORERS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("progress")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def test_parallel_scores_for_one_meeting_leave_one(admin: httpx.Client) -> None:
    collaborative, team = team_over_http(admin, "Ward 1")
    scores = f"{API}/teams/{team}/progress-scores"

    def one_round() -> list[str]:
        problems: list[str] = []
        meeting = created_over_http(
            admin,
            "/meetings",
            {
                "collaborative_id": collaborative,
                "title": "Learning session",
                "kind": "learning_session",
                "starts_at": "2024-09-05T09:30:00+01:00",
                "ends_at": "2024-09-05T16:00:00+01:00",
            },
        )
        bodies = [
            {"score": 0.5 * (n + 1), "assessor": "coach", "meeting_id": meeting}
            for n in range(SCORERS)
        ]
        answers = all_at_once([partial(admin.post, scores, json=body) for body in bodies])
        expect(problems, "answers", statuses(answers), [200] * (SCORERS - 1) + [201])
        stored = admin.get(scores, params={"meeting_id": meeting}).json()["items"]
        expect(problems, "rows", len(stored), 1)
        ids = {answer.json()["id"] for answer in answers if answer.status_code < 300}
        expect(problems, "one score answered", ids, {stored[0]["id"]} if stored else set())
        return problems

    run_rounds(one_round)
