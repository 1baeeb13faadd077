"""Requests that race past a service's check to the database's constraint: the loser is told
which rule it broke, as a request that came second would be, never a bare 409 or a 500."""

import uuid
from collections.abc import Iterator
from functools import partial

import httpx
import pytest

from tests.api import API
from tests.http.test_concurrency import ROUNDS
from tests.live import LiveServer, admin_client, all_at_once, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("constraints")) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def _names_the_ods_code(problem: dict[str, object]) -> bool:
    """The service's own refusal, or the constraint's: either says the ODS code is taken."""
    if problem["type"] == "urn:qi-collaborative:problem:duplicate-ods-code":
        return True
    return problem["type"] == "urn:qi-collaborative:problem:duplicate" and problem["errors"] == [
        {"loc": ["body", "ods_code"], "message": "already taken"}
    ]


def test_parallel_organisations_with_one_ods_code_make_one(
    server: LiveServer, admin: httpx.Client
) -> None:
    broken: list[tuple[object, object]] = []
    for _ in range(ROUNDS):
        code = uuid.uuid4().hex[:8].upper()
        body = {"ods_code": code, "name": "Race trust", "kind": "trust"}
        answers = all_at_once([partial(admin.post, f"{API}/organisations", json=body)] * 8)
        statuses = sorted(answer.status_code for answer in answers)
        refusals = [answer.json() for answer in answers if answer.status_code == 409]
        if statuses != [201] + [409] * 7 or not all(map(_names_the_ods_code, refusals)):
            broken.append((statuses, refusals))
        listed = admin.get(f"{API}/organisations", params={"limit": 200}).json()
        if sum(item["ods_code"] == code for item in listed["items"]) != 1:
            broken.append(("listed", code))
    # On PostgreSQL some losers pass the check together and meet uq_organisations_ods_code
    # (seen: both kinds of refusal); on SQLite the write lock lets only the check refuse.
    assert broken == []
