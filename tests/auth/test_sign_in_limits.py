"""Sign-in limits: the per-address limit never locks out a correct password, Retry-After says
when the next attempt is admitted, and X-Forwarded-For is believed only from a trusted proxy.
(The bursts, with real parallel requests, are in tests/http/test_concurrency.py.)"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, SignInAttempt
from app.config import Settings
from app.db import utc_now
from app.main import create_app
from tests.api import API, assert_oauth_error
from tests.conftest import TEST_PASSWORD, add_user

PROXY = "10.9.9.9"


@pytest.fixture
def limited_app(
    database_url: str, session_factory: sessionmaker[Session], data_dir: Path
) -> FastAPI:
    settings = Settings(
        env="test",
        database_url=database_url,
        data_dir=data_dir,
        sign_in_failures_per_address=3,
        forwarded_allow_ips=[PROXY],
    )
    return create_app(settings, session_factory)


@pytest.fixture
def browser(limited_app: FastAPI) -> Iterator[TestClient]:
    """Someone signing in from 10.0.0.7, directly (no proxy)."""
    with TestClient(limited_app, client=("10.0.0.7", 50000)) as client:
        yield client


def sign_in(client: TestClient, email: str, password: str, **headers: str) -> Any:
    return client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
        headers=headers,
    )


def accounts(session_factory: sessionmaker[Session], password_hash: str, n: int) -> list[str]:
    with session_factory.begin() as session:
        return [add_user(session, password_hash, Role.COACH).email for _ in range(n)]


def test_an_address_over_its_limit_still_lets_a_correct_password_in(
    browser: TestClient, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    """Three failures from one address (its limit here): further failures from it are 429,
    but colleagues at that address who type their password right still sign in, including
    one who got it wrong once (below their own account's limit)."""
    clean, slipped = accounts(session_factory, password_hash, 2)
    for n in range(2):
        assert_oauth_error(
            sign_in(browser, f"nobody{n}@example.nhs.uk", "guess"), 400, "invalid_grant"
        )
    assert_oauth_error(sign_in(browser, slipped, "typo"), 400, "invalid_grant")
    over = sign_in(browser, "nobody9@example.nhs.uk", "guess")
    assert "this address" in assert_oauth_error(over, 429, "temporarily_unavailable")
    assert 1 <= int(over.headers["retry-after"]) <= 15 * 60
    assert_oauth_error(sign_in(browser, slipped, "typo again"), 429, "temporarily_unavailable")
    assert sign_in(browser, clean, TEST_PASSWORD).status_code == 200
    assert sign_in(browser, slipped, TEST_PASSWORD).status_code == 200


def test_retry_after_is_the_time_until_the_next_attempt_is_admitted(
    browser: TestClient,
    client: TestClient,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    """Five failures, the oldest ten minutes ago: the account is admitted again in five."""
    (email,) = accounts(session_factory, password_hash, 1)
    now = utc_now()
    with session_factory.begin() as session:
        for minutes in (10, 8, 6, 4, 2):
            session.add(
                SignInAttempt(
                    grant="password",
                    subject=email,
                    address="10.1.1.1",
                    attempted_at=now - timedelta(minutes=minutes),
                    outcome="failure",
                )
            )
    refused = sign_in(browser, email, TEST_PASSWORD)
    assert "this account" in assert_oauth_error(refused, 429, "temporarily_unavailable")
    assert 5 * 60 - 5 <= int(refused.headers["retry-after"]) <= 5 * 60
    events = client.get(f"{API}/audit-events", params={"action": "sign_in"}).json()["items"]
    assert [(e["outcome"], e["subject"], e["reason"]) for e in events] == [
        ("denied", email, "too many attempts")
    ]


def test_a_success_does_not_count_against_the_limit(
    browser: TestClient, session_factory: sessionmaker[Session], password_hash: str
) -> None:
    (email,) = accounts(session_factory, password_hash, 1)
    for _ in range(8):
        assert sign_in(browser, email, TEST_PASSWORD).status_code == 200


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    limited_app: FastAPI,
    client: TestClient,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    (email,) = accounts(session_factory, password_hash, 1)
    with TestClient(limited_app, client=(PROXY, 40000)) as via_proxy:
        sign_in(via_proxy, email, "wrong", **{"X-Forwarded-For": "203.0.113.5"})
    with TestClient(limited_app, client=("10.0.0.8", 40000)) as direct:
        sign_in(direct, email, "wrong", **{"X-Forwarded-For": "198.51.100.1"})
    events = client.get(f"{API}/audit-events", params={"action": "sign_in"}).json()["items"]
    assert [event["client_address"] for event in events] == ["203.0.113.5", "10.0.0.8"]
