"""Revocation reaches access tokens at once: a sign-in ended by refresh-token reuse or by
sign-out (RFC 7009), a disabled account and a disabled client all stop their access tokens
on the next request, while other sign-ins of the same person keep working."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.service import find_account, set_disabled
from app.audit.service import AuditTrail
from app.auth.models import Client, Role, Scope
from app.clients.service import create_client
from tests.api import API, assert_problem
from tests.conftest import TEST_PASSWORD, add_user

TOKEN = f"{API}/auth/token"
REVOKE = f"{API}/auth/revoke"
TEAMS = f"{API}/teams"


@pytest.fixture
def email(session_factory: sessionmaker[Session], password_hash: str) -> str:
    with session_factory.begin() as session:
        return add_user(session, password_hash, Role.COACH).email


def sign_in(client: TestClient, email: str) -> dict[str, Any]:
    form = {"grant_type": "password", "username": email, "password": TEST_PASSWORD}
    response = client.post(TOKEN, data=form)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def teams(client: TestClient, access_token: str) -> Any:
    return client.get(TEAMS, headers={"Authorization": f"Bearer {access_token}"})


def audit(client: TestClient, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        f"{API}/audit-events", params={"limit": 200, **params}
    ).json()["items"]
    return items


def test_a_reused_refresh_token_stops_the_sign_ins_access_tokens_at_once(
    anonymous: TestClient, email: str
) -> None:
    first = sign_in(anonymous, email)
    assert teams(anonymous, first["access_token"]).status_code == 200
    renewed = refresh(anonymous, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert teams(anonymous, second["access_token"]).status_code == 200
    reused = refresh(anonymous, first["refresh_token"])  # a copy: the sign-in ends
    assert reused.status_code == 400, reused.text
    assert reused.json()["error"] == "invalid_grant"
    for access_token in (first["access_token"], second["access_token"]):
        refused = teams(anonymous, access_token)
        assert "ended" in assert_problem(refused, 401)["detail"]
        assert refused.headers["www-authenticate"].startswith("Bearer")


def test_ending_one_sign_in_leaves_the_persons_other_sign_ins_working(
    anonymous: TestClient, email: str
) -> None:
    laptop = sign_in(anonymous, email)
    phone = sign_in(anonymous, email)
    assert anonymous.post(REVOKE, data={"token": laptop["refresh_token"]}).status_code == 200
    assert_problem(teams(anonymous, laptop["access_token"]), 401)
    listed = teams(anonymous, phone["access_token"])
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": [], "next_cursor": None}


class TestRevokeEndpoint:
    def test_revoking_the_refresh_token_signs_out_and_is_audited(
        self, anonymous: TestClient, client: TestClient, email: str
    ) -> None:
        signed_in = sign_in(anonymous, email)
        revoked = anonymous.post(
            REVOKE, data={"token": signed_in["refresh_token"], "token_type_hint": "refresh_token"}
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.headers["cache-control"] == "no-store"
        assert "ended" in assert_problem(teams(anonymous, signed_in["access_token"]), 401)["detail"]
        after = refresh(anonymous, signed_in["refresh_token"])
        assert (after.status_code, after.json()["error"]) == (400, "invalid_grant")
        (signed_out,) = audit(client, action="sign_out")
        (signed_in_event,) = audit(client, action="sign_in")
        assert signed_out["outcome"] == "success"
        assert signed_out["actor"] == signed_in_event["actor"]
        assert signed_out["actor"].startswith("user:")

    def test_revoking_the_access_token_ends_its_sign_in_too(
        self, anonymous: TestClient, email: str
    ) -> None:
        signed_in = sign_in(anonymous, email)
        revoked = anonymous.post(
            REVOKE, data={"token": signed_in["access_token"], "token_type_hint": "access_token"}
        )
        assert revoked.status_code == 200, revoked.text
        assert_problem(teams(anonymous, signed_in["access_token"]), 401)
        after = refresh(anonymous, signed_in["refresh_token"])
        assert (after.status_code, after.json()["error"]) == (400, "invalid_grant")

    def test_an_unknown_token_is_200_as_rfc_7009_says_and_audited_as_a_failure(
        self, anonymous: TestClient, client: TestClient
    ) -> None:
        response = anonymous.post(REVOKE, data={"token": "never issued"})
        assert response.status_code == 200, response.text
        (event,) = audit(client, action="sign_out")
        assert (event["outcome"], event["reason"]) == ("failure", "unknown token")

    def test_revoking_twice_is_still_200(self, anonymous: TestClient, email: str) -> None:
        signed_in = sign_in(anonymous, email)
        for _ in range(2):
            response = anonymous.post(REVOKE, data={"token": signed_in["refresh_token"]})
            assert response.status_code == 200, response.text

    def test_without_a_token_it_is_400_invalid_request(self, anonymous: TestClient) -> None:
        response = anonymous.post(REVOKE, data={"token_type_hint": "refresh_token"})
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "invalid_request"
        assert "`token`" in body["error_description"]

    def test_a_json_body_is_400_invalid_request(self, anonymous: TestClient) -> None:
        response = anonymous.post(REVOKE, json={"token": "x"})
        assert response.status_code == 400, response.text
        assert "application/x-www-form-urlencoded" in response.json()["error_description"]


def test_disabling_an_account_stops_its_access_token_at_once(
    anonymous: TestClient, session_factory: sessionmaker[Session], email: str
) -> None:
    signed_in = sign_in(anonymous, email)
    with session_factory.begin() as session:
        set_disabled(session, AuditTrail(), find_account(session, email), True)
    assert "disabled" in assert_problem(teams(anonymous, signed_in["access_token"]), 401)["detail"]


def test_disabling_a_client_stops_its_access_token_at_once(
    anonymous: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        created, secret = create_client(
            session, AuditTrail(), name="revoked reader", scopes=[Scope.READ]
        )
    form = {"grant_type": "client_credentials", "client_id": str(created.id)}
    token = anonymous.post(TOKEN, data=form | {"client_secret": secret}).json()["access_token"]
    assert teams(anonymous, token).status_code == 200
    with session_factory.begin() as session:
        session.execute(update(Client).where(Client.id == created.id).values(disabled=True))
    assert "disabled" in assert_problem(teams(anonymous, token), 401)["detail"]
