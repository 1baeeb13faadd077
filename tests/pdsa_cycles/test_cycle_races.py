"""Cycles planned at once for one change idea get the numbers 1, 2, ... each once, against the
real server on this run's database (the team's row lock orders them)."""

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

PLANNERS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("cycles")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def test_parallel_cycles_of_one_idea_are_numbered_once_each(admin: httpx.Client) -> None:
    _, team = team_over_http(admin, "Ward 2")
    cycles = f"{API}/teams/{team}/pdsa-cycles"

    def one_round() -> list[str]:
        problems: list[str] = []
        idea = created_over_http(admin, f"/teams/{team}/change-ideas", {"title": "Huddles"})
        bodies = [
            {"change_idea_id": idea, "title": f"Cycle {n}", "starts_on": "2024-10-02"}
            for n in range(PLANNERS)
        ]
        answers = all_at_once([partial(admin.post, cycles, json=body) for body in bodies])
        expect(problems, "answers", statuses(answers), [201] * PLANNERS)
        numbers = sorted(a.json()["number"] for a in answers if a.status_code == 201)
        expect(problems, "numbers", numbers, list(range(1, PLANNERS + 1)))
        return problems

    run_rounds(one_round)
