"""Shared helpers for the equality tests: people with accounts, and profile calls."""

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, Scope
from app.characteristics import Characteristic
from tests import api
from tests.api import API
from tests.conftest import add_client, add_user, client_token, person_token

CHARACTERISTICS = [characteristic.value for characteristic in Characteristic]
FULL_PROFILE = {
    "ethnic_category": "M",
    "sex": "2",
    "gender_identity": "3",
    "sexual_orientation": "3",
    "religion_or_belief": "G",
    "disability": "Y",
    "age_band": "55-64",
    "marriage_civil_partnership": "civil_partnership",
    "pregnancy_maternity": "maternity",
}


def profile_path(member_id: str) -> str:
    return f"{API}/members/{member_id}/equality-profile"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_people(
    client: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
    **collaborative_fields: Any,
) -> dict[str, Any]:
    """Two members with accounts, Alice leading their team and Bob in it, a coach of the team,
    and a trust's read client."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client, **collaborative_fields)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    alice = api.member(client, organisation["id"], name="Alice")
    bob = api.member(client, organisation["id"], name="Bob")
    api.membership(client, team["id"], alice["id"], "lead")
    api.membership(client, team["id"], bob["id"])
    # Coaches come from the ICB, not the team's trust.
    coach = api.coach(client, api.organisation(client, kind="icb")["id"], team["id"])
    with session_factory.begin() as session:
        users = {
            "alice": add_user(
                session, password_hash, Role.MEMBER, member_id=uuid.UUID(alice["id"])
            ),
            "bob": add_user(session, password_hash, Role.MEMBER, member_id=uuid.UUID(bob["id"])),
            "coach": add_user(
                session,
                password_hash,
                Role.COACH,
                email=coach["email"],
                member_id=uuid.UUID(coach["id"]),
            ),
        }
        created = add_client(session, [Scope.READ], [organisation["ods_code"]])
    tokens = {name: person_token(app, user) for name, user in users.items()}
    tokens["client"] = client_token(app, created)
    return {
        "alice": alice,
        "bob": bob,
        "team": team,
        "organisation": organisation,
        "headers": {name: bearer(token) for name, token in tokens.items()},
    }


def put_profile(caller: TestClient, member_id: str, body: dict[str, Any], **headers: str) -> Any:
    return caller.put(profile_path(member_id), json=body, headers=headers)


def patch_profile(caller: TestClient, member_id: str, body: dict[str, Any], **headers: str) -> Any:
    return caller.patch(profile_path(member_id), json=body, headers=headers)


def events_of(client: TestClient, action: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit-events", params={"action": action, "limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
