"""Sign-in, tokens and the attacks they must withstand: each refused token is 401 and audited."""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import AuditTrail
from app.auth import keys
from app.auth.models import Role, Scope
from app.clients.service import create_client
from tests import forge
from tests.api import API, assert_oauth_error, assert_problem
from tests.conftest import TEST_PASSWORD, add_user, build_app

TEAMS = f"{API}/teams"


@pytest.fixture
def admin(session_factory: sessionmaker[Session], password_hash: str) -> dict[str, str]:
    with session_factory.begin() as session:
        user = add_user(session, password_hash, Role.ADMIN)
    return {"id": str(user.id), "email": user.email}


def sign_in(client: TestClient, email: str, password: str = TEST_PASSWORD) -> Any:
    return client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )


def audit(client: TestClient, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        f"{API}/audit-events", params={"limit": 200, **params}
    ).json()["items"]
    return items


class TestSignIn:
    def test_password_sign_in_gives_a_short_lived_token_that_works(
        self, anonymous: TestClient, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = sign_in(anonymous, admin["email"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 900
        assert body["refresh_token"]
        assert response.headers["cache-control"] == "no-store"
        teams = anonymous.get(TEAMS, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert teams.status_code == 200
        assert teams.json() == {"items": [], "next_cursor": None}
        events = audit(client, action="sign_in")
        assert [(e["outcome"], e["subject"]) for e in events] == [("success", admin["email"])]

    def test_wrong_password_is_400_invalid_grant_and_audited_without_the_password(
        self, anonymous: TestClient, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = sign_in(anonymous, admin["email"], "not the password at all")
        assert "not right" in assert_oauth_error(response, 400, "invalid_grant")
        (event,) = audit(client, action="sign_in")
        assert (event["outcome"], event["subject"], event["reason"]) == (
            "failure",
            admin["email"],
            "bad credentials",
        )
        assert "not the password" not in str(event)

    def test_too_many_failures_are_429_with_retry_after(
        self, anonymous: TestClient, admin: dict[str, str]
    ) -> None:
        for _ in range(5):
            assert sign_in(anonymous, admin["email"], "wrong password!!").status_code == 400
        limited = sign_in(anonymous, admin["email"])  # even the right password waits
        assert "this account" in assert_oauth_error(limited, 429, "temporarily_unavailable")
        # The oldest failure ages out 15 minutes after it was made, less the time the five
        # checks took (a second or more on a busy machine).
        assert 14 * 60 <= int(limited.headers["retry-after"]) <= 15 * 60

    def test_without_a_token_every_api_route_is_401(self, anonymous: TestClient) -> None:
        response = anonymous.get(TEAMS)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


class TestRefresh:
    def test_a_refresh_token_works_once_and_its_reuse_ends_the_sign_in(
        self, anonymous: TestClient, client: TestClient, admin: dict[str, str]
    ) -> None:
        first = sign_in(anonymous, admin["email"]).json()["refresh_token"]
        renew = {"grant_type": "refresh_token", "refresh_token": first}
        second = anonymous.post(f"{API}/auth/token", data=renew)
        assert second.status_code == 200, second.text
        newer = second.json()["refresh_token"]
        assert newer != first
        # The first token again: someone copied it. The whole family is revoked.
        reused = anonymous.post(f"{API}/auth/token", data=renew)
        assert "not valid" in assert_oauth_error(reused, 400, "invalid_grant")
        after = anonymous.post(
            f"{API}/auth/token", data={"grant_type": "refresh_token", "refresh_token": newer}
        )
        assert_oauth_error(after, 400, "invalid_grant")
        reasons = [e["reason"] for e in audit(client, action="refresh")]
        assert "refresh token reused" in reasons


class TestClientCredentials:
    def test_a_client_gets_only_the_scopes_it_was_given(
        self, anonymous: TestClient, session_factory: sessionmaker[Session]
    ) -> None:
        with session_factory.begin() as session:
            created, secret = create_client(
                session, AuditTrail(), name="STH uploads", scopes=[Scope.MEASURES_WRITE]
            )
        form = {"grant_type": "client_credentials", "client_id": str(created.id)}
        granted = anonymous.post(f"{API}/auth/token", data=form | {"client_secret": secret})
        assert granted.json()["scope"] == "measures:write"
        assert "refresh_token" not in granted.json() or granted.json()["refresh_token"] is None
        token = granted.json()["access_token"]
        # measures:write does not include read.
        listed = anonymous.get(TEAMS, headers={"Authorization": f"Bearer {token}"})
        assert_problem(listed, 403)
        wider = anonymous.post(
            f"{API}/auth/token", data=form | {"client_secret": secret, "scope": "read"}
        )
        assert "scopes" in assert_oauth_error(wider, 400, "invalid_scope")
        wrong = anonymous.post(f"{API}/auth/token", data=form | {"client_secret": "guess"})
        assert "not right" in assert_oauth_error(wrong, 401, "invalid_client")


class TestKeys:
    def test_jwks_publishes_the_public_key_only(self, anonymous: TestClient, app: FastAPI) -> None:
        body = anonymous.get("/.well-known/jwks.json").json()
        (key,) = body["keys"]
        assert key["kid"] == app.state.key_store.current().signing.kid
        assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
        assert "d" not in key

    def test_first_start_makes_an_owner_only_key(self, tmp_path: Path) -> None:
        keyring = keys.load_or_create(tmp_path)
        assert (tmp_path / keys.KEYRING_FILE).stat().st_mode & 0o777 == 0o600
        assert keys.load_or_create(tmp_path).signing.kid == keyring.signing.kid

    def test_rotation_keeps_old_tokens_valid_until_they_expire(
        self,
        tmp_path: Path,
        database_url: str,
        session_factory: sessionmaker[Session],
        password_hash: str,
    ) -> None:
        keys.load_or_create(tmp_path)
        old_app = build_app(database_url, session_factory, tmp_path)
        with session_factory.begin() as session:
            user = add_user(session, password_hash, Role.ADMIN)
        with TestClient(old_app) as old:
            old_token = sign_in(old, user.email).json()["access_token"]
        keys.rotate(tmp_path, timedelta(minutes=15))
        new_app = build_app(database_url, session_factory, tmp_path)
        with TestClient(new_app) as new:
            assert len(new.get("/.well-known/jwks.json").json()["keys"]) == 2
            headers = {"Authorization": f"Bearer {old_token}"}
            assert new.get(TEAMS, headers=headers).status_code == 200
            new_token = sign_in(new, user.email).json()["access_token"]
            assert new_token.split(".")[0] != old_token.split(".")[0]  # another kid
        later = keys.load_or_create(tmp_path).verifying(
            datetime.now(UTC) + timedelta(minutes=17), timedelta(minutes=15)
        )
        assert list(later) == [keys.load_or_create(tmp_path).signing.kid]


Forger = Callable[[FastAPI, str], str]


def _claims(app: FastAPI, subject: str, **overrides: Any) -> dict[str, Any]:
    settings = app.state.settings
    return forge.claims_for(
        subject, issuer=settings.token_issuer, audience=settings.token_audience, **overrides
    )


def _key(app: FastAPI) -> keys.SigningKey:
    signing: keys.SigningKey = app.state.key_store.current().signing
    return signing


ATTACKS: dict[str, tuple[Forger, str]] = {
    # Without the sign-in it belongs to, a person's token could not be ended by signing out.
    "missing_sid": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, sid=None)
        ),
        "The sign-in this token belongs to has ended",
    ),
    "alg_none": (
        lambda app, sub: forge.unsigned(_key(app).kid, _claims(app, sub)),
        "algorithm 'none' is not accepted",
    ),
    "hs256_with_our_public_key_pem": (
        lambda app, sub: forge.hs256(
            _key(app).public_pem.encode(), _key(app).kid, _claims(app, sub)
        ),
        "algorithm 'HS256' is not accepted",
    ),
    "hs256_with_our_public_key_der": (
        lambda app, sub: forge.hs256(
            forge.public_der(_key(app).private_pem), _key(app).kid, _claims(app, sub)
        ),
        "algorithm 'HS256' is not accepted",
    ),
    "empty_hmac_key": (
        lambda app, sub: forge.hs256(b"", _key(app).kid, _claims(app, sub)),
        "algorithm 'HS256' is not accepted",
    ),
    "expired": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, exp=int(time.time()) - 120)
        ),
        "token expired",
    ),
    "iat_in_the_future": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, iat=int(time.time()) + 300)
        ),
        "token issued in the future",
    ),
    "nbf_in_the_future": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, nbf=int(time.time()) + 300)
        ),
        "invalid claims",
    ),
    "wrong_issuer": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, iss="https://evil.example")
        ),
        "untrusted issuer",
    ),
    "wrong_audience": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, aud="another-api")
        ),
        "invalid claims",
    ),
    "missing_audience": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, aud=None)
        ),
        "invalid claims",
    ),
    "missing_exp": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, exp=None)
        ),
        "invalid claims",
    ),
    "unknown_kid": (
        lambda app, sub: forge.es256(
            keys.new_key(datetime.now(UTC)).private_pem, "not-our-kid", _claims(app, sub)
        ),
        "unknown signing key",
    ),
    "tampered_payload": (
        lambda app, sub: _tamper(
            forge.es256(_key(app).private_pem, _key(app).kid, _claims(app, sub, role="member")),
            _claims(app, sub, role="admin"),
        ),
        "invalid signature",
    ),
    "ten_year_lifetime": (
        lambda app, sub: forge.es256(
            _key(app).private_pem,
            _key(app).kid,
            _claims(app, sub, exp=int(time.time()) + 10 * 365 * 24 * 3600),
        ),
        "token lifetime longer than this service issues",
    ),
    "exp_as_a_string": (
        lambda app, sub: forge.es256(
            _key(app).private_pem,
            _key(app).kid,
            _claims(app, sub, exp=str(int(time.time()) + 600)),
        ),
        "invalid claims: exp must be a whole number",
    ),
    "iat_as_a_boolean": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, iat=True)
        ),
        "invalid claims: iat must be a whole number",
    ),
    "sub_as_a_number": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, sub=12345)
        ),
        "invalid claims: sub must be a string",
    ),
    "over_8_kib": (
        lambda app, sub: forge.es256(
            _key(app).private_pem, _key(app).kid, _claims(app, sub, padding="x" * 9000)
        ),
        "token larger than 8 KiB",
    ),
}


def _tamper(token: str, claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return ".".join([header, forge.b64(json.dumps(claims).encode()), signature])


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_token_is_refused_and_audited(
    attack: str, app: FastAPI, anonymous: TestClient, client: TestClient, admin: dict[str, str]
) -> None:
    forger, reason = ATTACKS[attack]
    token = forger(app, f"user:{admin['id']}")
    response = anonymous.get(TEAMS, headers={"Authorization": f"Bearer {token}"})
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert token not in response.text
    refused = audit(client, action="token_refused")
    assert refused, "the refusal was not audited"
    assert refused[-1]["reason"].startswith(reason), refused[-1]
    assert reason in problem["detail"]


def test_a_well_forged_token_with_our_key_is_accepted(
    app: FastAPI, anonymous: TestClient, admin: dict[str, str]
) -> None:
    """The control for the attacks above: the same forge with every rule kept gets in."""
    token = forge.es256(_key(app).private_pem, _key(app).kid, _claims(app, f"user:{admin['id']}"))
    assert anonymous.get(TEAMS, headers={"Authorization": f"Bearer {token}"}).status_code == 200
