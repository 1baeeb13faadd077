"""`qicollab users` and `qicollab clients`: the admin API's operations from the command line,
run as an operator would, then checked over HTTP."""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.auth import keys
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from tests.api import API
from tests.cli.test_cli import database, qicollab

# Runs `qicollab` in subprocesses.
pytestmark = pytest.mark.slow

__all__ = ["database"]  # the fixture, used by name below

PASSWORD = "a long enough password"


@pytest.fixture
def migrated(database: str, tmp_path: Path) -> Iterator[tuple[str, Path, Engine]]:
    assert qicollab(database, tmp_path, "migrate").returncode == 0
    engine = make_engine(database)
    yield database, tmp_path, engine
    engine.dispose()


def _http(url: str, data_dir: Path, engine: Engine) -> TestClient:
    settings = Settings(database_url=url, data_dir=data_dir)
    keys.load_or_create(data_dir)
    return TestClient(create_app(settings, make_sessionmaker(engine)))


def _sign_in(http: TestClient, email: str, password: str) -> int:
    form = {"grant_type": "password", "username": email, "password": password}
    return http.post(f"{API}/auth/token", data=form).status_code


def test_accounts_are_validated_listed_disabled_reset_and_deleted(
    migrated: tuple[str, Path, Engine],
) -> None:
    url, data_dir, engine = migrated

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return qicollab(url, data_dir, *args, stdin=stdin)

    not_email = run("users", "add", "notanemail", "--role", "admin", stdin=f"{PASSWORD}\n")
    assert not_email.returncode == 1
    assert "not an email address" in not_email.stderr
    teamed = run("users", "add", "a@example.nhs.uk", "--role", "admin", "--team", "x")
    assert teamed.returncode == 2
    assert "--team" in teamed.stderr
    coach = run("users", "add", "coach@example.nhs.uk", "--role", "coach", stdin=f"{PASSWORD}\n")
    assert coach.returncode == 1
    assert "member record with the same email" in coach.stderr
    assert run("users", "list").stdout == ""

    added = run("users", "add", "Lead@Example.nhs.uk", "--role", "admin", stdin=f"{PASSWORD}\n")
    assert added.returncode == 0, added.stderr
    listed = run("users", "list", "--role", "admin").stdout.splitlines()
    assert len(listed) == 1
    assert "admin   lead@example.nhs.uk  (enabled)" in listed[0]
    disabled = run("users", "disable", "lead@example.nhs.uk")
    assert disabled.stdout.startswith("Disabled lead@example.nhs.uk"), disabled.stderr
    assert "(disabled)" in run("users", "show", "lead@example.nhs.uk").stdout
    with _http(url, data_dir, engine) as http:
        assert _sign_in(http, "lead@example.nhs.uk", PASSWORD) == 400
        assert run("users", "enable", "lead@example.nhs.uk").returncode == 0
        assert _sign_in(http, "lead@example.nhs.uk", PASSWORD) == 200

        reset = run("users", "reset-password", "lead@example.nhs.uk")
        assert reset.returncode == 0, reset.stderr
        temporary = re.search(r"temporary_password: (\S+)", reset.stdout)
        assert temporary is not None
        assert _sign_in(http, "lead@example.nhs.uk", PASSWORD) == 400
        assert _sign_in(http, "lead@example.nhs.uk", temporary.group(1)) == 200
        assert "must change password" in run("users", "show", "lead@example.nhs.uk").stdout

        deleted = run("users", "delete", "lead@example.nhs.uk")
        assert deleted.returncode == 0, deleted.stderr
        assert _sign_in(http, "lead@example.nhs.uk", temporary.group(1)) == 400
    assert run("users", "list").stdout == ""
    missing = run("users", "show", "lead@example.nhs.uk")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "qicollab: No account for lead@example.nhs.uk.",
    )


def test_clients_are_listed_rotated_and_revoked(migrated: tuple[str, Path, Engine]) -> None:
    url, data_dir, engine = migrated
    unknown = qicollab(url, data_dir, "clients", "add", "Feed", "--scopes", "sync:run")
    assert unknown.returncode == 2
    assert "invalid choice: 'sync:run'" in unknown.stderr

    added = qicollab(url, data_dir, "clients", "add", "ESR feed", "--scopes", "read")
    assert added.returncode == 0, added.stderr
    client_id = re.search(r"client_id:\s+(\S+)", added.stdout)
    first = re.search(r"client_secret:\s+(\S+)", added.stdout)
    assert client_id is not None
    assert first is not None
    listed = qicollab(url, data_dir, "clients", "list").stdout
    assert f"{client_id.group(1)}  ESR feed  [read]  every organisation  (enabled)" in listed

    def token(secret: str) -> int:
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id.group(1),
            "client_secret": secret,
        }
        return http.post(f"{API}/auth/token", data=form).status_code

    with _http(url, data_dir, engine) as http:
        assert token(first.group(1)) == 200
        rotated = qicollab(url, data_dir, "clients", "rotate-secret", "ESR feed")
        assert rotated.returncode == 0, rotated.stderr
        second = re.search(r"client_secret:\s+(\S+)", rotated.stdout)
        assert second is not None
        assert token(first.group(1)) == 401
        assert token(second.group(1)) == 200
        revoked = qicollab(url, data_dir, "clients", "delete", client_id.group(1))
        assert revoked.returncode == 0, revoked.stderr
        assert token(second.group(1)) == 401
    assert qicollab(url, data_dir, "clients", "list").stdout == ""
