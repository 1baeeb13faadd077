"""Parallel adds to one slice, each in its own transaction on a real database: none is lost
(the rows added to are locked), and none is counted twice (the unique keys)."""

import uuid
from collections.abc import Iterator
from datetime import date
from functools import partial

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from app.db import independent_transaction
from app.survey_results import service
from app.survey_results import slices as slice_store
from app.survey_results.models import Source
from app.surveys.scoring import Aggregate
from tests import api
from tests.live import LiveServer, admin_client, all_at_once, race_server
from tests.survey_results.support import WEEK, digest

pytestmark = pytest.mark.slow

WRITERS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with race_server(tmp_path_factory.mktemp("survey-results-race")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def _team(admin: httpx.Client) -> uuid.UUID:
    organisation = admin.post(
        f"{api.API}/organisations",
        json={"ods_code": api.unique("R"), "name": "A trust", "kind": "trust"},
    ).json()["id"]
    collaborative = admin.post(
        f"{api.API}/collaboratives",
        json={"name": "Race", "starts_on": "2024-07-31", "ends_on": "2025-09-22"},
    ).json()["id"]
    team = admin.post(
        f"{api.API}/teams",
        json={
            "collaborative_id": collaborative,
            "name": api.unique("Team "),
            "organisation_ids": [organisation],
        },
    )
    assert team.status_code == 201, team.text
    return uuid.UUID(team.json()["id"])


def _add(server: LiveServer, team: uuid.UUID, writer: int, people: int) -> int:
    totals = Aggregate({"enjoy_work": {"always": people}})
    groups = {("ethnicity", "bme"): Aggregate({"enjoy_work": {"always": people}})}
    hashes = frozenset(digest(f"w{writer}-{i}") for i in range(people))
    with independent_transaction(server.factory) as session:
        return slice_store.store_slice(
            session,
            team,
            "enjoying-work",
            WEEK,
            totals,
            groups,
            hashes,
            "add",
            Source.RESPONSES,
            None,
        )


def _stored(server: LiveServer, team: uuid.UUID, period: date) -> tuple[Aggregate | None, int]:
    with server.factory() as session:
        totals = service.aggregates_for(session, [team], "enjoying-work", [period])
        hashes = slice_store.stored_hashes(session, "enjoying-work", [(team, period)])
    return totals.get((team, period)), len(hashes[team, period])


def test_parallel_adds_to_a_stored_slice_all_count(server: LiveServer, admin: httpx.Client) -> None:
    team = _team(admin)
    _add(server, team, 0, 1)
    written = all_at_once([partial(_add, server, team, w, w) for w in range(1, WRITERS + 1)])
    assert written == [2] * WRITERS
    everyone = 1 + sum(range(1, WRITERS + 1))
    assert _stored(server, team, WEEK) == (
        Aggregate({"enjoy_work": {"always": everyone}}),
        everyone,
    )


def test_parallel_first_adds_store_what_they_say(server: LiveServer, admin: httpx.Client) -> None:
    """Without the import's team lock, writers racing to create a slice may be refused (its
    unique key); whatever they were told was stored is exactly what is stored."""
    team = _team(admin)

    def attempt(writer: int) -> int:
        try:
            _add(server, team, writer, writer)
        except IntegrityError:
            return 0
        return writer

    counted = sum(all_at_once([partial(attempt, w) for w in range(1, WRITERS + 1)]))
    assert counted > 0
    stored, hashes = _stored(server, team, WEEK)
    assert stored == Aggregate({"enjoy_work": {"always": counted}})
    assert hashes == counted
