"""A database that stops, or freezes with its connections open, under load: the service keeps
answering /livez at once, answers API calls with 503 within its configured bound, reports not
ready, and recovers by itself when the database comes back.

The test runs its own PostgreSQL cluster on another port (initdb + pg_ctl), so it needs the
PostgreSQL server binaries; without them it is skipped, unless QI_REQUIRE_FAULT_TESTS=1 (set
by .ci/run), which makes their absence a failure."""

import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import httpx
import pytest

from app.auth.models import Role
from tests.api import API
from tests.conftest import add_user, person_token, postgres_url
from tests.live import LiveServer, live_server
from tests.pgcluster import Cluster, postgres_bin_dir

LIMITS = {
    "database_pool_timeout_seconds": 1.0,
    "database_connect_timeout_seconds": 2,
    "database_statement_timeout_seconds": 1.0,
    "database_lock_timeout_seconds": 1.0,
    "readiness_timeout_seconds": 1.0,
}
# The longest an API call may take while the database is frozen: a pooled connection's check
# waits statement_timeout + the watchdog's 2 s grace, then a new connection connect_timeout,
# after waiting up to pool_timeout for a connection; plus a second for a loaded 2-core machine.
BOUND = 1.0 + 2.0 + 2.0 + 1.0 + 1.0
LIVEZ_P99 = 0.1
RECOVERY = 5.0

pytestmark = [
    pytest.mark.slow,  # starts, stops and freezes a PostgreSQL cluster of its own
    pytest.mark.skipif(
        postgres_url() is not None, reason="runs once, in the SQLite pass: it brings its own server"
    ),
]


@dataclass
class Call:
    started: float
    seconds: float
    status: int
    content_type: str = ""
    retry_after: str | None = None


@dataclass
class Probe:
    """Calls `send` in a loop from its own thread, recording every answer."""

    send: Callable[[], httpx.Response]
    pause: float
    calls: list[Call] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                response = self.send()
                status = response.status_code
                kind = response.headers.get("content-type", "")
                retry = response.headers.get("retry-after")
            except httpx.HTTPError:
                status, kind, retry = 0, "", None
            self.calls.append(Call(started, time.monotonic() - started, status, kind, retry))
            time.sleep(self.pause)

    def between(self, start: float, end: float) -> list[Call]:
        return [call for call in self.calls if start <= call.started < end]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        if os.environ.get("QI_REQUIRE_FAULT_TESTS") == "1":
            pytest.fail("QI_REQUIRE_FAULT_TESTS=1 but no PostgreSQL server binaries were found")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    cluster = Cluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="module")
def server(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("faults"), cluster.url, **LIMITS) as live:
        yield live


def wait_for(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check` holds (polled every 20 ms); fails after `seconds`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not recovered within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def test_database_stopped_and_frozen_under_load(
    cluster: Cluster, server: LiveServer, password_hash: str
) -> None:
    with server.factory.begin() as session:
        admin = add_user(session, password_hash, Role.ADMIN)
    token = person_token(server.app, admin)
    api = server.client(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    probes_client = server.client(timeout=30)

    def ok() -> bool:
        return api.get(f"{API}/organisations").status_code == 200

    assert ok()
    clients = [server.client(headers=api.headers, timeout=30) for _ in range(6)]
    readers = [Probe(partial(client.get, f"{API}/organisations"), 0.01) for client in clients]
    livez = Probe(lambda: probes_client.get("/livez"), 0.01)
    readyz = Probe(lambda: probes_client.get("/readyz"), 0.2)
    probes = [*readers, livez, readyz]
    threads = [threading.Thread(target=probe.run, daemon=True) for probe in probes]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        cluster.stop("fast")
        stopped_at = time.monotonic()
        time.sleep(3)
        restarted_at = time.monotonic()
        cluster.start()
        after_restart = wait_for(ok, RECOVERY)
        time.sleep(1.5)
        cluster.freeze()
        frozen_at = time.monotonic()
        time.sleep(2 * BOUND)
        thawed_at = time.monotonic()
        cluster.thaw()
        after_thaw = wait_for(ok, RECOVERY)
        time.sleep(1.5)
    finally:
        for probe in probes:
            probe.stop.set()
        for thread in threads:
            thread.join(timeout=2 * BOUND)
        cluster.thaw()
        for client in [*clients, api, probes_client]:
            client.close()

    api_calls = [call for reader in readers for call in reader.calls]
    down = [
        call
        for reader in readers
        for call in reader.between(stopped_at + 0.2, restarted_at)
        + reader.between(frozen_at + 0.2, thawed_at - BOUND)
    ]
    livez_times = sorted(call.seconds for call in livez.calls)
    p99 = livez_times[int(len(livez_times) * 0.99) - 1]
    summary = (
        f"{len(api_calls)} API calls, {len(down)} while the database was down or frozen;"
        f" slowest {max(call.seconds for call in api_calls):.2f} s (bound {BOUND} s);"
        f" /livez {len(livez_times)} calls, p50 {statistics.median(livez_times) * 1000:.1f} ms,"
        f" p99 {p99 * 1000:.1f} ms, max {livez_times[-1] * 1000:.1f} ms;"
        f" recovered {after_restart:.2f} s after the restart and {after_thaw:.2f} s after the thaw"
    )
    print(summary)

    assert all(call.status == 200 for call in livez.calls), summary
    assert p99 < LIVEZ_P99, summary
    # Every API call is answered within the bound: a success, or a 503 problem that says
    # when to retry; never a 500, never a hang.
    assert all(call.seconds <= BOUND for call in api_calls), summary
    assert {call.status for call in api_calls} <= {200, 503}, summary
    for call in api_calls:
        if call.status == 503:
            assert call.content_type == "application/problem+json", summary
            assert call.retry_after is not None, summary
            assert int(call.retry_after) >= 1, summary
    assert down, summary
    assert all(call.status == 503 for call in down), summary
    # Readiness says so too, within its own bound.
    # (A check that began just before the thaw may finish after it, and pass.)
    ready_bound = LIMITS["readiness_timeout_seconds"] + 0.5
    not_ready = readyz.between(stopped_at + 0.2, restarted_at) + readyz.between(
        frozen_at + 0.2, thawed_at - ready_bound
    )
    assert not_ready, summary
    assert all(call.status == 503 for call in not_ready), [
        (call.status, round(call.seconds, 2)) for call in not_ready if call.status != 503
    ]
    assert all(call.seconds <= ready_bound for call in not_ready), summary
    assert readyz.calls[-1].status == 200, summary
