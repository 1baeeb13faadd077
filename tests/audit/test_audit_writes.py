"""An audit write that the database refuses never changes the answer, and is written later:
the audit table is held locked by another connection while a refused request comes in."""

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from tests.api import API, assert_problem
from tests.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("audit"), database_lock_timeout_seconds=0.3) as live:
        yield live


def refused_requests(server: LiveServer) -> int:
    with server.factory() as session:
        statement = select(func.count(AuditEvent.id)).where(AuditEvent.action == "token_refused")
        return session.scalar(statement) or 0


def test_an_audit_write_that_fails_is_retried_and_the_answer_stands(server: LiveServer) -> None:
    before = refused_requests(server)
    blocker = server.factory.kw["bind"].connect()
    blocking = blocker.begin()
    # Writes to the audit table wait (reads do not) until this transaction ends.
    if blocker.dialect.name == "postgresql":
        blocker.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
    else:
        blocker.exec_driver_sql(
            "INSERT INTO audit_events (id, occurred_at, action, outcome)"
            " VALUES ('held', '2024-01-01', 'hold', 'hold')"
        )
    try:
        with server.client() as client:
            response = client.get(f"{API}/teams")
        problem = assert_problem(response, 401)
        assert "Bearer" in problem["detail"]
        time.sleep(0.5)
        assert refused_requests(server) == before
    finally:
        blocking.rollback()
        blocker.close()
    deadline = time.monotonic() + 10
    while refused_requests(server) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refused_requests(server) == before + 1
