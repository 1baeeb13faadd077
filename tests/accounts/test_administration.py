"""Accounts and machine clients administered through the API: create, read, disable, reset,
rotate, delete; the rules on emails and member records; and /me."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API, assert_problem

ACCOUNTS = f"{API}/accounts"
CLIENTS = f"{API}/clients"
NEW_PASSWORD = "a brand new passphrase"


def sign_in(http: TestClient, email: str, password: str) -> Any:
    return http.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )


def bearer(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def client_sign_in(http: TestClient, client_id: str, secret: str) -> Any:
    return http.post(
        f"{API}/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def with_etag(client: TestClient, path: str) -> dict[str, str]:
    return {"If-Match": client.get(path).headers["etag"]}


def new_account(client: TestClient, role: str = "member") -> dict[str, Any]:
    """A member record and an account for it, made by the programme lead through the API."""
    person = api.member(client, api.organisation(client)["id"])
    made = client.post(ACCOUNTS, json={"email": person["email"], "role": role})
    assert made.status_code == 201, made.text
    account: dict[str, Any] = made.json()
    return account | {"person": person}


def ready_account(client: TestClient, anonymous: TestClient, role: str = "member") -> Any:
    """An account whose person has chosen their own password; returns (account, headers)."""
    made = new_account(client, role)
    email = made["account"]["email"]
    first = bearer(sign_in(anonymous, email, made["temporary_password"]))
    changed = anonymous.post(
        f"{API}/me/password",
        json={"current_password": made["temporary_password"], "new_password": NEW_PASSWORD},
        headers=first,
    )
    assert changed.status_code == 204, changed.text
    return made["account"], bearer(sign_in(anonymous, email, NEW_PASSWORD))


class TestAccounts:
    def test_an_account_needs_a_real_email_and_a_member_record_for_its_role(
        self, client: TestClient
    ) -> None:
        bad = client.post(ACCOUNTS, json={"email": "notanemail", "role": "admin"})
        assert assert_problem(bad, 422)["errors"][0]["loc"] == ["body", "email"]
        stranger = client.post(ACCOUNTS, json={"email": "nobody@example.nhs.uk", "role": "coach"})
        problem = assert_problem(stranger, 422)
        assert problem["errors"][0]["loc"] == ["body", "email"]
        assert "member record" in problem["errors"][0]["message"]

        person = api.member(client, api.organisation(client)["id"])
        made = client.post(ACCOUNTS, json={"email": person["email"].upper(), "role": "coach"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert made.headers["location"].endswith(f"{ACCOUNTS}/{body['account']['id']}")
        assert body["account"]["email"] == person["email"]
        assert body["account"]["member_id"] == person["id"]
        assert body["account"]["must_change_password"] is True
        assert len(body["temporary_password"]) >= 12
        again = client.post(ACCOUNTS, json={"email": person["email"], "role": "member"})
        assert assert_problem(again, 409)["type"].endswith("duplicate-account")
        stored = client.get(f"{ACCOUNTS}/{body['account']['id']}").json()
        assert "temporary_password" not in stored
        assert "password_hash" not in stored

    def test_a_temporary_password_opens_only_the_way_to_change_it(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        made = new_account(client)
        email, temporary = made["account"]["email"], made["temporary_password"]
        first = bearer(sign_in(anonymous, email, temporary))
        blocked = anonymous.get(f"{API}/teams", headers=first)
        assert assert_problem(blocked, 403)["type"].endswith("password-change-required")
        me = anonymous.get(f"{API}/me", headers=first).json()
        assert (me["email"], me["must_change_password"]) == (email, True)

        def change(current: str, new: str) -> Any:
            body = {"current_password": current, "new_password": new}
            return anonymous.post(f"{API}/me/password", json=body, headers=first)

        short = assert_problem(change(temporary, "short"), 422)
        assert short["errors"][0]["loc"] == ["body", "new_password"]
        wrong = assert_problem(change("not the password", NEW_PASSWORD), 422)
        assert wrong["errors"][0]["loc"] == ["body", "current_password"]
        assert change(temporary, NEW_PASSWORD).status_code == 204

        # Every sign-in of the account has ended, this one too; the temporary password is gone.
        assert_problem(anonymous.get(f"{API}/me", headers=first), 401)
        assert sign_in(anonymous, email, temporary).status_code == 400
        after = bearer(sign_in(anonymous, email, NEW_PASSWORD))
        assert anonymous.get(f"{API}/teams", headers=after).status_code == 200
        assert anonymous.get(f"{API}/me", headers=after).json()["must_change_password"] is False

    def test_disable_enable_and_delete(self, client: TestClient, anonymous: TestClient) -> None:
        account, headers = ready_account(client, anonymous)
        path = f"{ACCOUNTS}/{account['id']}"
        disabled = client.patch(path, json={"disabled": True}, headers=with_etag(client, path))
        assert disabled.json()["disabled"] is True
        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        enabled = client.patch(path, json={"disabled": False}, headers=with_etag(client, path))
        assert enabled.json()["disabled"] is False
        assert anonymous.get(f"{API}/teams", headers=headers).status_code == 200

        assert client.delete(path, headers=with_etag(client, path)).status_code == 204
        assert_problem(client.get(path), 404)
        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        # The person's member record stays; only the account went.
        person = client.get(f"{API}/members/{account['member_id']}")
        assert person.json()["email"] == account["email"]

    def test_nobody_disables_deletes_or_demotes_their_own_account(self, client: TestClient) -> None:
        me = client.get(f"{API}/me").json()
        path = f"{ACCOUNTS}/{me['id']}"
        for change in ({"disabled": True}, {"role": "member"}):
            refused = client.patch(path, json=change, headers=with_etag(client, path))
            assert assert_problem(refused, 409)["type"].endswith("own-account")
        assert_problem(client.delete(path, headers=with_etag(client, path)), 409)
        assert client.get(path).json()["disabled"] is False

    def test_a_reset_ends_every_sign_in_and_hands_out_a_temporary_password(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        account, headers = ready_account(client, anonymous)
        refresh = sign_in(anonymous, account["email"], NEW_PASSWORD).json()["refresh_token"]
        path = f"{ACCOUNTS}/{account['id']}"
        assert_problem(client.post(f"{path}/password-reset"), 428)
        reset = client.post(f"{path}/password-reset", headers=with_etag(client, path))
        assert reset.status_code == 200, reset.text
        temporary = reset.json()["temporary_password"]
        assert reset.json()["account"]["must_change_password"] is True

        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        renewed = anonymous.post(
            f"{API}/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh}
        )
        assert renewed.json()["error"] == "invalid_grant"
        assert sign_in(anonymous, account["email"], NEW_PASSWORD).json()["error"] == "invalid_grant"
        fresh = bearer(sign_in(anonymous, account["email"], temporary))
        assert anonymous.get(f"{API}/me", headers=fresh).json()["must_change_password"] is True

    def test_a_role_with_teams_needs_a_member_record(self, client: TestClient) -> None:
        email = f"panel.{uuid.uuid4().hex[:6]}@example.nhs.uk"
        made = client.post(ACCOUNTS, json={"email": email, "role": "admin"}).json()["account"]
        path = f"{ACCOUNTS}/{made['id']}"
        refused = client.patch(path, json={"role": "coach"}, headers=with_etag(client, path))
        problem = assert_problem(refused, 422)
        assert problem["errors"][0]["loc"] == ["body", "role"]
        assert "member record with the same email" in problem["errors"][0]["message"]
        assert client.get(path).json()["role"] == "admin"

    def test_lists_filter_by_role_and_email(self, client: TestClient) -> None:
        coach = new_account(client, "coach")["account"]
        member = new_account(client, "member")["account"]
        coaches = client.get(ACCOUNTS, params={"role": "coach", "limit": 200}).json()["items"]
        assert coach["id"] in {a["id"] for a in coaches}
        assert {a["role"] for a in coaches} == {"coach"}
        found = client.get(ACCOUNTS, params={"email": member["email"].upper()}).json()["items"]
        assert [a["id"] for a in found] == [member["id"]]
        assert_problem(client.get(ACCOUNTS, params={"role": "superuser"}), 422)

    def test_one_account_per_member_record_and_the_account_follows_its_email(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        account, _ = ready_account(client, anonymous)
        member_path = f"{API}/members/{account['member_id']}"
        renamed = f"renamed.{uuid.uuid4().hex[:6]}@example.nhs.uk"
        moved = client.patch(
            member_path, json={"email": renamed}, headers=with_etag(client, member_path)
        )
        assert moved.status_code == 200, moved.text
        assert client.get(f"{ACCOUNTS}/{account['id']}").json()["email"] == renamed
        assert sign_in(anonymous, renamed, NEW_PASSWORD).status_code == 200

        other = new_account(client)["account"]
        taken = client.patch(
            member_path, json={"email": other["email"]}, headers=with_etag(client, member_path)
        )
        assert assert_problem(taken, 409)["type"].endswith("duplicate-email")
        assert client.get(member_path).json()["email"] == renamed

    def test_an_admin_account_is_linked_when_its_member_record_is_added(
        self, client: TestClient
    ) -> None:
        email = f"panel.{uuid.uuid4().hex[:6]}@example.nhs.uk"
        made = client.post(ACCOUNTS, json={"email": email, "role": "admin"}).json()["account"]
        assert made["member_id"] is None
        person = api.member(client, api.organisation(client)["id"], email=email)
        assert client.get(f"{ACCOUNTS}/{made['id']}").json()["member_id"] == person["id"]


class TestClients:
    def test_create_rotate_disable_and_revoke(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        trust = api.organisation(client)
        made = client.post(
            CLIENTS,
            json={
                "name": f"STH {uuid.uuid4().hex[:6]}",
                "scopes": ["read"],
                "organisation_ids": [trust["id"]],
            },
        )
        assert made.status_code == 201, made.text
        body = made.json()
        ident, secret = body["client"]["id"], body["client_secret"]
        assert body["client"]["organisation_ids"] == [trust["id"]]
        assert "client_secret" not in client.get(f"{CLIENTS}/{ident}").json()
        headers = bearer(client_sign_in(anonymous, ident, secret))
        assert anonymous.get(f"{API}/teams", headers=headers).status_code == 200

        path = f"{CLIENTS}/{ident}"
        rotated = client.post(f"{path}/secret", headers=with_etag(client, path))
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["client"]["secret_version"] == 2
        new_secret = rotated.json()["client_secret"]
        assert new_secret != secret
        # The leaked secret and every token it got stop at once.
        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        assert client_sign_in(anonymous, ident, secret).json()["error"] == "invalid_client"
        headers = bearer(client_sign_in(anonymous, ident, new_secret))

        disabled = client.patch(path, json={"disabled": True}, headers=with_etag(client, path))
        assert disabled.json()["disabled"] is True
        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        client.patch(path, json={"disabled": False}, headers=with_etag(client, path))
        headers = bearer(client_sign_in(anonymous, ident, new_secret))
        assert client.delete(path, headers=with_etag(client, path)).status_code == 204
        assert_problem(anonymous.get(f"{API}/teams", headers=headers), 401)
        assert_problem(client.get(path), 404)
        listed = client.get(CLIENTS, params={"limit": 200}).json()["items"]
        assert ident not in {c["id"] for c in listed}

    @pytest.mark.parametrize("scope", ["surveys:write", "workforce:write", "sync:run"])
    def test_scopes_no_route_honours_are_refused(self, client: TestClient, scope: str) -> None:
        refused = client.post(CLIENTS, json={"name": f"x {scope}", "scopes": [scope]})
        assert assert_problem(refused, 422)["errors"][0]["loc"][:2] == ["body", "scopes"]


class TestMe:
    def test_a_member_sees_their_record_and_teams(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        account, headers = ready_account(client, anonymous)
        trust = api.organisation(client)
        team = api.team(client, api.collaborative(client)["id"], [trust["id"]])
        api.membership(client, team["id"], account["member_id"], "lead")
        me = anonymous.get(f"{API}/me", headers=headers).json()
        assert (me["kind"], me["role"], me["id"]) == ("person", "member", account["id"])
        assert me["member"]["id"] == account["member_id"]
        assert me["reaches_all_teams"] is False
        assert [(t["id"], t["relation"]) for t in me["teams"]] == [(team["id"], "lead")]

    def test_a_client_sees_its_scopes_and_organisations(
        self, client: TestClient, anonymous: TestClient
    ) -> None:
        trust = api.organisation(client)
        team = api.team(client, api.collaborative(client)["id"], [trust["id"]])
        made = client.post(
            CLIENTS,
            json={
                "name": f"c {uuid.uuid4().hex[:6]}",
                "scopes": ["read", "measures:write"],
                "organisation_ids": [trust["id"]],
            },
        ).json()
        headers = bearer(client_sign_in(anonymous, made["client"]["id"], made["client_secret"]))
        me = anonymous.get(f"{API}/me", headers=headers).json()
        assert (me["kind"], me["name"], me["role"]) == ("client", made["client"]["name"], None)
        assert me["scopes"] == ["measures:write", "read"]
        assert [(t["id"], t["relation"]) for t in me["teams"]] == [(team["id"], "organisation")]

    def test_a_programme_lead_reaches_every_team(self, client: TestClient) -> None:
        me = client.get(f"{API}/me").json()
        assert (me["role"], me["reaches_all_teams"]) == ("admin", True)
