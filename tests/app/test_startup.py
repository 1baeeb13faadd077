"""Importing the app and building it do nothing else: no password hash, no key file, so
`qicollab openapi` and an app without keys still work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.auth import keys
from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parents[2]


def python(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This checkout's Python in `cwd`, with no QI_ settings (all defaults)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QI_")}
    environment |= {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.slow
def test_importing_the_app_hashes_nothing(tmp_path: Path) -> None:
    script = (
        "import app.main\n"
        "from app.auth import passwords\n"
        "print(passwords._dummy_hash.cache_info().currsize, passwords.hasher.cache_info().currsize)"
    )
    assert python(tmp_path, "-c", script).stdout.split() == ["0", "0"]


@pytest.mark.slow
def test_openapi_leaves_the_working_directory_empty(tmp_path: Path) -> None:
    spec = json.loads(python(tmp_path, "-m", "app", "openapi").stdout)
    assert spec["info"]["title"] == "qi-collaborative"
    assert list(tmp_path.iterdir()) == []


def test_an_app_without_keys_answers_health_and_spec_and_uses_keys_made_later(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(Settings(env="test", database_url=database_url, data_dir=tmp_path))
    with TestClient(app) as client:
        assert client.get("/livez").json() == {"status": "pass"}
        assert client.get("/openapi.json").json()["info"]["title"] == "qi-collaborative"
        assert list(tmp_path.iterdir()) == []
        # Signing in needs keys: until there are some, a 503 to retry, not a crash.
        form = {"grant_type": "password", "username": "a@example.nhs.uk", "password": "x" * 12}
        refused = client.post("/api/v1/auth/token", data=form)
        assert (refused.status_code, refused.headers["retry-after"]) == (503, "30")
        assert refused.json()["type"].endswith(":unavailable")
        assert "signing keys" in refused.json()["detail"]
        assert str(tmp_path) not in refused.text
        # As `qicollab serve` (or `keys rotate`) makes them for a running app.
        made = keys.load_or_create(tmp_path)
        (published,) = client.get("/.well-known/jwks.json").json()["keys"]
        assert published["kid"] == made.signing.kid
    app.state.engine.dispose()
