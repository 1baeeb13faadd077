"""A live server for tests that need real parallel HTTP: uvicorn in a thread, serving the app
on a database of its own (a SQLite file, or a fresh PostgreSQL database), with a session
factory on that database for setting up and checking state."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.auth import keys
from app.auth.models import Role
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.migrate import upgrade
from app.survey_results import response_ids
from tests.conftest import add_user, create_scratch_database, drop_scratch_database, person_token

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    factory: sessionmaker[Session]

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 60)
        return httpx.Client(base_url=self.url, **kwargs)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port until the block ends; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def live_server(
    tmp_dir: Path, database_url: str | None = None, **settings: Any
) -> Iterator[LiveServer]:
    """The real app serving a migrated database over HTTP: a scratch database of the suite's
    kind, or the one at `database_url`."""
    url = database_url or create_scratch_database(str(tmp_dir))
    upgrade(url)
    engine: Engine = make_engine(url)
    keys.load_or_create(tmp_dir)
    response_ids.ensure_key(tmp_dir)
    app = create_app(Settings(env="test", database_url=url, data_dir=tmp_dir, **settings))
    try:
        with serving(app) as base_url:
            yield LiveServer(base_url, app, make_sessionmaker(engine))
    finally:
        engine.dispose()
        app.state.engine.dispose()
        if database_url is None:
            drop_scratch_database(url)


@contextmanager
def race_server(tmp_dir: Path, **settings: Any) -> Iterator[LiveServer]:
    """A live server for race tests: they check who wins, not the time bounds
    (tests/app/test_faults.py does), so waits for a connection or a lock are generous and
    requests queueing on one lock on a loaded machine get their answer, not 503."""
    with live_server(
        tmp_dir,
        database_pool_timeout_seconds=60,
        database_lock_timeout_seconds=60,
        database_statement_timeout_seconds=120,
        **settings,
    ) as live:
        yield live


@contextmanager
def admin_client(server: "LiveServer", password_hash: str) -> Iterator[httpx.Client]:
    """A client of `server` signed in as a new admin, written straight to its database."""
    with server.factory.begin() as session:
        user = add_user(session, password_hash, Role.ADMIN)
    token = person_token(server.app, user)
    with server.client(headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def qicollab_serve(
    args: Sequence[str], env: Mapping[str, str], log: Path
) -> Iterator["subprocess.Popen[bytes]"]:
    """`python -m app serve ARGS` from this checkout, in a process group of its own (so its
    workers stop with it), its output in `log`, which is printed when the block ends."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *args],
            cwd=ROOT,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        print(log.read_text(errors="replace")[-5000:])  # pytest shows it when the test fails


def all_at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, released together by a barrier; results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:  # reported to the test, never lost in a thread
            results[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def created_over_http(admin: httpx.Client, path: str, body: dict[str, object]) -> str:
    """POST to /api/v1`path` as the admin; the new resource's id (201 required)."""
    response = admin.post(f"/api/v1{path}", json=body)
    assert response.status_code == 201, response.text
    ident: str = response.json()["id"]
    return ident


def team_over_http(admin: httpx.Client, name: str) -> tuple[str, str]:
    """A new trust, collaborative (2024-07-31 to 2025-09-22) and team of both, through the
    API: (collaborative id, team id)."""
    code = f"R{uuid.uuid4().hex[:6].upper()}"
    organisation = created_over_http(
        admin, "/organisations", {"ods_code": code, "name": "Trust", "kind": "trust"}
    )
    collaborative = created_over_http(
        admin,
        "/collaboratives",
        {"name": f"{name} collaborative", "starts_on": "2024-07-31", "ends_on": "2025-09-22"},
    )
    team = created_over_http(
        admin,
        "/teams",
        {"collaborative_id": collaborative, "name": name, "organisation_ids": [organisation]},
    )
    return collaborative, team
