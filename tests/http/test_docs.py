"""The interactive docs work with no internet: every file they load comes from this server, and
Swagger UI's "Authorize" signs in with an email and password (OAuth 2.0 password flow)."""

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.config import Settings
from app.main import create_app
from tests.api import API
from tests.conftest import PRODUCTION_HASHING, TEST_PASSWORD, add_user
from tests.live import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Every URL an HTML attribute or a script in the page names.
URL = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def page_urls(html: str) -> list[str]:
    return [first or second for first, second in URL.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_files_from_this_server(anonymous: TestClient, page: str) -> None:
    response = anonymous.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # The browser itself refuses anything from another host (ReDoc's logo on its CDN).
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'self';")
    assert re.findall(r"https?:|\*", policy) == []
    html = response.text
    # No CDN, no web fonts: nothing on another host, with or without a scheme.
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    urls = page_urls(html)
    assets = [url for url in urls if url.startswith("/docs/assets/")]
    assert len(assets) >= (3 if page == "/docs" else 2), urls
    assert "/openapi.json" in urls
    for url in assets:
        served = anonymous.get(url)
        assert served.status_code == 200, url
        expected = CONTENT_TYPES[Path(url).suffix]
        assert served.headers["content-type"].startswith(expected), url
        assert len(served.content) > 1000, url


def test_swagger_ui_is_version_5_which_renders_openapi_3_1(anonymous: TestClient) -> None:
    bundle = anonymous.get("/docs/assets/swagger-ui-bundle.js").text
    assert re.search(r'"5\.\d+\.\d+"', bundle)
    assert anonymous.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_the_spec_declares_the_password_flow(anonymous: TestClient) -> None:
    spec = anonymous.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["OAuth2"]["type"] == "oauth2"
    password = spec["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]
    assert password["tokenUrl"] == f"{API}/auth/token"
    assert password["refreshUrl"] == f"{API}/auth/token"
    assert password["scopes"] == {}


def test_authorize_signs_in_as_swagger_ui_sends_it(
    anonymous: TestClient, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    """Swagger UI posts the form with an empty client id and secret as HTTP Basic (`:`)."""
    with session_factory.begin() as session:
        email = add_user(session, password_hash, Role.ADMIN).email
    response = anonymous.post(
        f"{API}/auth/token",
        content=f"grant_type=password&username={email}&password={TEST_PASSWORD}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(b":").decode(),
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = anonymous.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, me.json()["email"]) == (200, email)


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("docs")) as live:
        yield live.url


def rendered(url: str, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran, in headless Chromium that cannot resolve any host
    but this one: a file from elsewhere would fail to load."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def need_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("QI_REQUIRE_BROWSER"):
            pytest.fail("QI_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("chromium is not installed")


@pytest.mark.slow
def test_swagger_ui_renders_the_operations_in_a_browser(docs_url: str, tmp_path: Path) -> None:
    need_browser()
    dom = rendered(f"{docs_url}/docs", tmp_path)
    assert 'class="swagger-ui' in dom
    operations = re.findall(r'class="opblock opblock-(?:get|post|put|patch|delete)', dom)
    assert len(operations) >= 50, dom[-3000:]
    assert "/api/v1/teams/{team_id}" in dom
    # The sign-in button the password flow adds.
    assert re.search(r'class="btn authorize', dom)


@pytest.mark.slow
def test_redoc_renders_the_operations_in_a_browser(docs_url: str, tmp_path: Path) -> None:
    need_browser()
    dom = rendered(f"{docs_url}/redoc", tmp_path)
    assert "List teams" in dom or "list_teams" in dom, dom[-3000:]
    assert "Get an access token" in dom


def test_production_serves_no_docs(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path
) -> None:
    settings = Settings(
        env="production", database_url=database_url, data_dir=data_dir, **PRODUCTION_HASHING
    )
    with TestClient(create_app(settings, session_factory)) as client:
        for path in ("/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js"):
            assert client.get(path).status_code == 404, path
