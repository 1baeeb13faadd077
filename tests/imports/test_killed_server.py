"""kill -9 of the server in the middle of a large import leaves nothing of it (issue 11): the
import stores in one transaction, so the database rolls the unfinished one back."""

import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text

from app.imports.models import Import
from app.workforce.models import WorkforceMonth
from tests.api import API
from tests.cli.test_cli import qicollab
from tests.conftest import create_scratch_database, drop_scratch_database
from tests.live import free_port, qicollab_serve

EMAIL = "admin@example.nhs.uk"
PASSWORD = "a long enough password"
TEAMS = 100
MONTHS = 1_200  # per team: 120,000 rows to validate and then store, a few seconds' work


def _wait_until_up(port: int, process: Any, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=2).status_code == 200:
                return
        time.sleep(0.2)


def _world(client: httpx.Client) -> tuple[str, list[str]]:
    """A collaborative whose TEAMS teams are known to one trust as T0..T39."""

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(f"{API}{path}", json=body)
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    organisation = post("/organisations", {"ods_code": "RHQ", "name": "A trust", "kind": "trust"})
    collaborative = post(
        "/collaboratives", {"name": "Big", "starts_on": "2024-07-31", "ends_on": "2025-09-22"}
    )
    refs = []
    for n in range(TEAMS):
        post(
            "/teams",
            {
                "collaborative_id": collaborative["id"],
                "name": f"Team {n}",
                "organisation_ids": [organisation["id"]],
                "external_refs": [{"ods_code": "RHQ", "ref": f"T{n}"}],
            },
        )
        refs.append(f"T{n}")
    return collaborative["id"], refs


def _storing(url: str, engine: Engine, wal_before: int) -> bool:
    """Whether the import is writing its rows, uncommitted: on PostgreSQL, an insert into
    workforce_months is running; on SQLite, the write-ahead log has grown by a megabyte of
    pages the transaction spilled (no other writer runs meanwhile)."""
    if url.startswith("sqlite"):
        return _wal_size(url) > wal_before + 1024 * 1024
    with engine.connect() as connection:
        running = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                " AND query ILIKE 'INSERT INTO workforce_months%'"
            )
        )
    return bool(running)


def _wal_size(url: str) -> int:
    wal = Path(make_url(url).database or "").with_name(
        Path(make_url(url).database or "").name + "-wal"
    )
    return wal.stat().st_size if wal.exists() else 0


def _large_file(refs: list[str]) -> bytes:
    lines = ["ods_code,team_ref,month,headcount_start,headcount_end,starters,leavers"]
    for ref in refs:
        for m in range(MONTHS):
            lines.append(f"RHQ,{ref},{1900 + m // 12}-{m % 12 + 1:02d}-01,40,40,1,1")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.slow
def test_a_server_killed_mid_import_leaves_nothing_of_it(tmp_path: Path) -> None:
    url = create_scratch_database(str(tmp_path))
    data_dir = tmp_path / "data"
    log = tmp_path / "server.log"
    try:
        assert qicollab(url, data_dir, "migrate").returncode == 0
        added = qicollab(
            url, data_dir, "users", "add", EMAIL, "--role", "admin", stdin=f"{PASSWORD}\n"
        )
        assert added.returncode == 0, added.stderr
        port = free_port()
        env = os.environ | {"QI_DATABASE_URL": url, "QI_DATA_DIR": str(data_dir)}
        with qicollab_serve(["--port", str(port)], env, log) as process:
            _wait_until_up(port, process, log)
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(
                f"{base}{API}/auth/token",
                data={"grant_type": "password", "username": EMAIL, "password": PASSWORD},
            ).json()["access_token"]
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                collaborative, refs = _world(client)
                body = _large_file(refs)
                outcome: list[object] = []

                def post() -> None:
                    try:
                        outcome.append(
                            client.post(
                                f"{API}/imports",
                                params={
                                    "kind": "workforce-monthly",
                                    "collaborative_id": collaborative,
                                },
                                content=body,
                                headers={"Content-Type": "text/csv"},
                                timeout=120,
                            )
                        )
                    except httpx.TransportError as error:
                        outcome.append(error)

                watcher = create_engine(url)
                wal_before = _wal_size(url)
                sender = threading.Thread(target=post)
                sender.start()
                deadline = time.monotonic() + 60
                while not _storing(url, watcher, wal_before):
                    assert sender.is_alive(), (
                        f"the import ended before it was seen storing: {outcome}"
                    )
                    assert time.monotonic() < deadline, "the import was never seen storing"
                    time.sleep(0.02)
                os.killpg(process.pid, signal.SIGKILL)
                watcher.dispose()
                sender.join(timeout=60)
        # The client never heard back: the import had not finished when the server died.
        (heard,) = outcome
        assert isinstance(heard, httpx.TransportError), heard
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.scalar(select(func.count()).select_from(Import)) == 0
                assert connection.scalar(select(func.count()).select_from(WorkforceMonth)) == 0
        finally:
            engine.dispose()
    finally:
        drop_scratch_database(url)
