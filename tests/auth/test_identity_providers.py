"""Tokens from trusted identity providers (Entra ID and the like), with their keys served by a
local httpx.MockTransport standing in for the provider."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.config import Settings, TrustedIssuer
from app.main import create_app
from tests import forge
from tests.api import API, assert_problem
from tests.conftest import add_user

ISSUER = "https://login.microsoftonline.com/example-tenant/v2.0"
AUDIENCE = "api://qi-collaborative"
JWKS_URL = "https://login.microsoftonline.com/example-tenant/discovery/v2.0/keys"
KEY = forge.rsa_key()
OTHER_KEY = forge.rsa_key()


class Provider:
    """The identity provider's key endpoint; counts how often it is asked."""

    def __init__(self) -> None:
        self.keys = [forge.rsa_jwk(KEY, "key-1")]
        self.requests = 0
        self.body: bytes | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        assert str(request.url) == JWKS_URL
        return httpx.Response(200, content=self.body or json.dumps({"keys": self.keys}).encode())


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def entra(
    provider: Provider,
    database_url: str,
    session_factory: sessionmaker[Session],
    data_dir: Path,
) -> Iterator[TestClient]:
    trusted = TrustedIssuer(issuer=ISSUER, audience=AUDIENCE, jwks_url=JWKS_URL)
    settings = Settings(database_url=database_url, data_dir=data_dir, trusted_issuers=[trusted])
    app = create_app(settings, session_factory, httpx.MockTransport(provider.handle))
    with TestClient(app) as client:
        yield client


def entra_token(kid: str = "key-1", key: Any = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "preferred_username": "Coach.One@example.nhs.uk",
    } | overrides
    return forge.rs256(key, kid, {k: v for k, v in claims.items() if v is not None})


def call(client: TestClient, token: str) -> Any:
    return client.get(f"{API}/teams", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def coach(session_factory: sessionmaker[Session], password_hash: str) -> None:
    with session_factory.begin() as session:
        add_user(session, password_hash, Role.COACH, email="coach.one@example.nhs.uk")


def test_a_known_person_signed_in_at_their_trust_gets_in(
    entra: TestClient, provider: Provider, coach: None
) -> None:
    response = call(entra, entra_token())
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}
    assert call(entra, entra_token()).status_code == 200
    assert provider.requests == 1  # the key set is cached


def test_someone_without_an_account_here_is_403_with_a_clear_problem(
    entra: TestClient, coach: None
) -> None:
    token = entra_token(preferred_username="stranger@example.nhs.uk")
    problem = assert_problem(call(entra, token), 403)
    assert "no account in this service" in problem["detail"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "api://something-else"}, "invalid claims"),
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"iat": None}, "invalid claims"),
    ],
)
def test_provider_tokens_are_checked_like_ours(
    entra: TestClient, coach: None, overrides: dict[str, Any], reason: str
) -> None:
    problem = assert_problem(call(entra, entra_token(**overrides)), 401)
    assert reason in problem["detail"]


def test_a_token_signed_by_someone_else_is_refused(entra: TestClient, coach: None) -> None:
    problem = assert_problem(call(entra, entra_token(key=OTHER_KEY)), 401)
    assert "invalid signature" in problem["detail"]


def test_unknown_kids_refetch_the_key_set_at_most_once_per_interval(
    entra: TestClient, provider: Provider, coach: None
) -> None:
    assert call(entra, entra_token()).status_code == 200
    # The provider rotates. Within five minutes of the last fetch the new kid is not looked up.
    provider.keys.append(forge.rsa_jwk(OTHER_KEY, "key-2"))
    rotated = entra_token(kid="key-2", key=OTHER_KEY)
    assert_problem(call(entra, rotated), 401)
    assert provider.requests == 1
    # Once the last fetch is older than that, one refetch finds it.
    cache = entra.app.state.trusted_issuers[ISSUER][1]  # type: ignore[attr-defined]
    cache.fetched_at -= 301
    assert call(entra, rotated).status_code == 200
    assert provider.requests == 2
    # A flood of made-up kids does not reach the provider again within the interval.
    for n in range(20):
        assert_problem(call(entra, entra_token(kid=f"made-up-{n}")), 401)
    assert provider.requests == 2


def test_an_oversized_key_set_is_not_read(
    entra: TestClient, provider: Provider, coach: None
) -> None:
    provider.body = b'{"keys": [' + b" " * (70 * 1024) + b"]}"
    problem = assert_problem(call(entra, entra_token()), 401)
    assert "larger than 64 KiB" in problem["detail"]


def test_hmac_keys_in_the_providers_set_are_ignored(
    entra: TestClient, provider: Provider, coach: None
) -> None:
    provider.keys = [{"kty": "oct", "kid": "key-1", "k": ""}]
    token = forge.hs256(b"", "key-1", {"iss": ISSUER, "aud": AUDIENCE})
    assert_problem(call(entra, token), 401)
    assert_problem(call(entra, entra_token()), 401)
