"""One code, one survey, however many admins define it at once (real server and threads)."""

import uuid
from collections.abc import Iterator
from functools import partial

import httpx
import pytest
from sqlalchemy import func, select

from app.surveys.models import LocalSurvey
from tests.api import API
from tests.live import LiveServer, admin_client, all_at_once, live_server
from tests.surveys.test_api import _pulse

pytestmark = pytest.mark.slow

ROUNDS = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("survey-race"),
        database_pool_timeout_seconds=60,
        database_lock_timeout_seconds=60,
        database_statement_timeout_seconds=120,
    ) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer, password_hash: str) -> Iterator[httpx.Client]:
    with admin_client(server, password_hash) as client:
        yield client


def test_parallel_creates_of_one_code_leave_one_survey(
    server: LiveServer, admin: httpx.Client
) -> None:
    for _ in range(ROUNDS):
        code = f"race-{uuid.uuid4().hex[:8]}"
        responses = all_at_once(
            [partial(admin.post, f"{API}/surveys", json=_pulse(code=code)) for _ in range(8)]
        )
        assert sorted(r.status_code for r in responses) == [201] + [409] * 7
        refusals = [r.json() for r in responses if r.status_code == 409]
        assert {p["type"].rsplit(":", 1)[-1] for p in refusals} == {"duplicate-survey-code"}
        assert all(
            p["errors"] == [{"loc": ["body", "code"], "message": p["errors"][0]["message"]}]
            for p in refusals
        )
        with server.factory() as session:
            stored = session.scalar(
                select(func.count(LocalSurvey.id)).where(LocalSurvey.code == code)
            )
        assert stored == 1
