"""The account and key commands of `qicollab`, run as a person would, then used over HTTP."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.auth import keys
from app.auth.cache import TTL_SECONDS
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.survey_results import response_ids
from tests.api import API
from tests.conftest import create_scratch_database, drop_scratch_database

# Runs `qicollab` in subprocesses.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = create_scratch_database(str(tmp_path))
    yield url
    drop_scratch_database(url)


def qicollab(
    url: str, data_dir: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"QI_DATABASE_URL": url, "QI_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_accounts_clients_and_keys_from_the_command_line(database: str, tmp_path: Path) -> None:
    assert qicollab(database, tmp_path, "migrate").returncode == 0
    # With the schema, the key survey response ids are hashed with: owner-only, and kept.
    response_key = tmp_path / response_ids.KEY_FILE
    assert response_key.stat().st_mode & 0o777 == 0o600
    first_key = response_key.read_text()
    added = qicollab(
        database,
        tmp_path,
        "users",
        "add",
        "Lead@Example.nhs.uk",
        "--role",
        "admin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "lead@example.nhs.uk" in added.stdout
    short = qicollab(
        database, tmp_path, "users", "add", "b@example.nhs.uk", "--role", "admin", stdin="short\n"
    )
    assert (short.returncode, short.stderr.strip()) == (1, "qicollab: use at least 12 characters")
    client = qicollab(database, tmp_path, "clients", "add", "STH", "--scopes", "read")
    assert client.returncode == 0, client.stderr
    fields = dict(line.split(":", 1) for line in client.stdout.splitlines() if ":" in line)
    client_id, secret = fields["client_id"].strip(), fields["client_secret"].strip()

    engine = make_engine(database)
    keys.load_or_create(tmp_path)
    app = create_app(Settings(database_url=database, data_dir=tmp_path), make_sessionmaker(engine))
    with TestClient(app) as http:
        person = http.post(
            f"{API}/auth/token",
            data={
                "grant_type": "password",
                "username": "lead@example.nhs.uk",
                "password": "a long enough password",
            },
        )
        assert person.status_code == 200, person.text
        system = http.post(
            f"{API}/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert system.json()["scope"] == "read"
        token = person.json()["access_token"]
        assert (
            http.get(f"{API}/teams", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
        disabled = qicollab(database, tmp_path, "users", "disable", "lead@example.nhs.uk")
        assert disabled.returncode == 0, disabled.stderr
        # The CLI is another process: a running app forgets the callers it remembers within
        # app.auth.cache's few seconds (a change made through the API is seen at once).
        deadline = time.monotonic() + TTL_SECONDS + 3
        while True:
            refused = http.get(f"{API}/teams", headers={"Authorization": f"Bearer {token}"})
            if refused.status_code != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert refused.status_code == 401
        assert "disabled" in refused.json()["detail"]
        rotated = qicollab(database, tmp_path, "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        assert response_key.read_text() == first_key  # never rotated: stored hashes match it
    engine.dispose()
    with TestClient(create_app(Settings(database_url=database, data_dir=tmp_path))) as fresh:
        assert len(fresh.get("/.well-known/jwks.json").json()["keys"]) == 2
