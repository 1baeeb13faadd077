"""`qicollab keys rotate` while `qicollab serve --workers 2` runs: within seconds every worker
signs with the new key and accepts its tokens, and tokens signed with the old key keep working."""

import contextlib
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the dev lock (types-psutil)
import pytest
from jose import jwt

from app.auth import keys
from tests.api import API
from tests.cli.test_cli import qicollab
from tests.conftest import create_scratch_database, drop_scratch_database
from tests.live import free_port, qicollab_serve

EMAIL = "lead@example.nhs.uk"
PASSWORD = "a long enough password"
TOKEN = f"{API}/auth/token"
SIGN_IN = {"grant_type": "password", "username": EMAIL, "password": PASSWORD}
ROTATIONS = f"{API}/audit-events?action=signing_key_rotated"
# The acceptance bound: a rotation reaches every worker within this many seconds.
RELOAD_BOUND_SECONDS = 10


LIFETIME = timedelta(minutes=15)


def test_the_store_serves_a_rotated_keyring_and_the_old_key_still_verifies(
    tmp_path: Path,
) -> None:
    keys.load_or_create(tmp_path)
    store = keys.KeyStore(tmp_path, check_seconds=0)
    old = store.current().signing
    rotated = keys.rotate(tmp_path, LIFETIME)
    now = datetime.now(UTC)
    assert store.current().signing.kid == rotated.signing.kid != old.kid
    assert set(store.current().verifying(now, LIFETIME)) == {old.kid, rotated.signing.kid}


def test_the_store_reads_the_file_at_most_once_per_interval(tmp_path: Path) -> None:
    keys.load_or_create(tmp_path)
    store = keys.KeyStore(tmp_path, check_seconds=3600)
    old = store.current().signing.kid
    keys.rotate(tmp_path, LIFETIME)
    assert store.current().signing.kid == old


def _all_retired(path: Path) -> None:
    document = json.loads(path.read_text())
    for entry in document["keys"]:
        entry["retired_at"] = entry["created_at"]
    path.write_text(json.dumps(document))


def _not_a_key(path: Path) -> None:
    document = json.loads(path.read_text())
    document["keys"][0]["private_pem"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
    path.write_text(json.dumps(document))


DAMAGE: dict[str, Callable[[Path], object]] = {
    "half written": lambda path: path.write_text(path.read_text()[:100]),
    "not JSON": lambda path: path.write_bytes(b"\x00\xff"),
    "no keys": lambda path: path.write_text('{"keys": []}'),
    "every key retired": _all_retired,
    "a damaged key": _not_a_key,
    "no time zone": lambda path: path.write_text(path.read_text().replace("+00:00", "")),
    "deleted": Path.unlink,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_file_keeps_the_last_good_keyring_until_a_good_one_replaces_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[Path], object]
) -> None:
    keys.load_or_create(tmp_path)
    store = keys.KeyStore(tmp_path, check_seconds=0)
    path = tmp_path / keys.KEYRING_FILE
    good = store.current().signing.kid
    staging = tmp_path / "staging"
    staging.mkdir()
    shutil.copy(path, staging / keys.KEYRING_FILE)
    damage(path)
    with caplog.at_level(logging.WARNING, logger="app.auth.keys"):
        assert store.current().signing.kid == good
        assert store.current().signing.kid == good
    (warning,) = caplog.records  # once, not once per check
    assert "cannot read the signing keys" in warning.getMessage()
    assert good in warning.getMessage()
    replacement = keys.rotate(staging, LIFETIME).signing.kid
    os.replace(staging / keys.KEYRING_FILE, path)
    assert store.current().signing.kid == replacement


@dataclass
class Server:
    """`python -m app serve --workers 2` in a process group of its own."""

    port: int
    process: "subprocess.Popen[bytes]"
    log: Path

    def client(self) -> httpx.Client:
        """A new client: its requests go over one new keep-alive connection."""
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def worker_owning(self, client_port: int) -> int | None:
        """The pid of the worker process holding the server end of a client's connection."""
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                for connection in child.net_connections(kind="tcp"):
                    remote = connection.raddr
                    if connection.laddr.port == self.port and remote and remote.port == client_port:
                        pid: int = child.pid
                        return pid
        return None

    def call(
        self, client: httpx.Client, method: str, path: str, **kwargs: Any
    ) -> tuple[httpx.Response, int]:
        """A request, and the pid of the worker that answered it."""
        response = client.request(method, path, **kwargs)
        _, client_port = response.extensions["network_stream"].get_extra_info("client_addr")
        pid = self.worker_owning(client_port)
        assert pid is not None, f"no worker holds the connection from port {client_port}"
        return response, pid


@contextlib.contextmanager
def serving(database_url: str, data_dir: Path, log: Path) -> Iterator[Server]:
    env = os.environ | {"QI_DATABASE_URL": database_url, "QI_DATA_DIR": str(data_dir)}
    port = free_port()
    with qicollab_serve(["--workers", "2", "--port", str(port)], env, log) as process:
        yield Server(port, process, log)


def both_workers(server: Server) -> set[int]:
    """The two worker pids, found by opening connections until each worker has answered one."""
    deadline = time.monotonic() + 90  # start-up on a busy machine; not what is under test
    workers: set[int] = set()
    while len(workers) < 2:
        assert server.process.poll() is None, server.log.read_text()
        assert time.monotonic() < deadline, f"workers seen: {workers}\n{server.log.read_text()}"
        with server.client() as client:
            try:
                response, pid = server.call(client, "GET", "/livez")
            except httpx.TransportError:
                time.sleep(0.2)  # not listening yet
                continue
        assert response.status_code == 200, response.text
        workers.add(pid)
    return workers


def key_sets(server: Server, connections: int) -> list[tuple[httpx.Response, int]]:
    """/.well-known/jwks.json over several new connections opened at the same moment."""

    def one(_: int) -> tuple[httpx.Response, int]:
        with server.client() as client:
            return server.call(client, "GET", "/.well-known/jwks.json")

    with ThreadPoolExecutor(max_workers=connections) as pool:
        return list(pool.map(one, range(connections)))


def kid(token: str) -> str:
    header: dict[str, str] = jwt.get_unverified_header(token)
    return header["kid"]


def sign_in(server: Server, client: httpx.Client) -> tuple[str, int]:
    response, pid = server.call(client, "POST", TOKEN, data=SIGN_IN)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token, pid


@pytest.mark.slow
def test_a_rotation_reaches_every_worker_and_old_tokens_keep_working(tmp_path: Path) -> None:
    database_url = create_scratch_database(str(tmp_path))
    data_dir = tmp_path / "data"
    try:
        assert qicollab(database_url, data_dir, "migrate").returncode == 0
        added = qicollab(
            database_url, data_dir, "users", "add", EMAIL, "--role", "admin", stdin=f"{PASSWORD}\n"
        )
        assert added.returncode == 0, added.stderr
        with serving(database_url, data_dir, tmp_path / "server.log") as server:
            workers = both_workers(server)
            with server.client() as client:
                old_token, _ = sign_in(server, client)
            old_kid = kid(old_token)

            rotated = qicollab(database_url, data_dir, "keys", "rotate")
            assert rotated.returncode == 0, rotated.stderr
            new_kid = keys.load_or_create(data_dir).signing.kid
            assert new_kid != old_kid
            assert new_kid in rotated.stdout
            assert "running servers" in rotated.stdout

            # Until a fresh token carries the new kid and each worker publishes both keys. Each
            # round asks for the key set over several connections at once, so that both
            # workers are asked even when the kernel favours one of them.
            deadline = time.monotonic() + RELOAD_BOUND_SECONDS
            new_token: str | None = None
            publishing_both: set[int] = set()
            while new_token is None or publishing_both != workers:
                assert time.monotonic() < deadline, (
                    f"{RELOAD_BOUND_SECONDS} s after `keys rotate`: new-kid token "
                    f"{'issued' if new_token else 'not issued'}; workers publishing both keys "
                    f"{publishing_both} of {workers}"
                )
                if new_token is None:
                    with server.client() as client:
                        fresh, _ = sign_in(server, client)
                    if kid(fresh) == new_kid:
                        new_token = fresh
                for published, pid in key_sets(server, connections=6):
                    if {key["kid"] for key in published.json()["keys"]} == {old_kid, new_kid}:
                        publishing_both.add(pid)
                time.sleep(0.1)

            # Each worker, over many connections (four opened at once a round): signs with the
            # new key and accepts both tokens.
            def over_one_connection(_: int) -> int:
                with server.client() as client:
                    fresh, pid = sign_in(server, client)
                    assert kid(fresh) == new_kid
                    for token in (new_token, old_token):
                        headers = {"Authorization": f"Bearer {token}"}
                        response, same = server.call(client, "GET", ROTATIONS, headers=headers)
                        assert same == pid  # one connection, one worker
                        assert response.status_code == 200, response.text
                        (event,) = response.json()["items"]
                        assert (event["actor"], event["outcome"], event["subject"]) == (
                            "cli",
                            "success",
                            new_kid,
                        )
                        assert old_kid in event["reason"]
                return pid

            answered: dict[int, int] = {}
            while len(answered) < len(workers) or sum(answered.values()) < 16:
                assert sum(answered.values()) < 64, f"connections per worker: {answered}"
                with ThreadPoolExecutor(max_workers=4) as pool:
                    for pid in pool.map(over_one_connection, range(4)):
                        answered[pid] = answered.get(pid, 0) + 1
            # The same two processes as before the rotation: nothing was restarted.
            assert set(answered) == workers
    finally:
        drop_scratch_database(database_url)
