"""Creating and disabling accounts and machine clients (the CLI's work); no FastAPI."""

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import AuditTrail
from app.auth.models import Client, Role, Scope, User, client_organisations, coached_teams
from app.auth.passwords import hash_secret
from app.errors import Conflict, InvalidInput, NotFound
from app.members.models import Member
from app.organisations.models import Organisation
from app.teams.models import Team

MIN_PASSWORD_LENGTH = 12


def create_user(
    session: Session,
    trail: AuditTrail,
    *,
    email: str,
    password: str,
    role: Role,
    team_ids: Sequence[uuid.UUID] = (),
    member_id: uuid.UUID | None = None,
) -> User:
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.at(("password",), f"use at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"An account for {email} already exists.", slug="duplicate-account")
    if role == Role.MEMBER and (member_id is None or session.get(Member, member_id) is None):
        raise InvalidInput.at(("member",), "a member account needs --member with a member's id")
    if role == Role.COACH and not team_ids:
        raise InvalidInput.at(("team",), "a coach account needs at least one --team")
    for team_id in team_ids:
        if session.get(Team, team_id) is None:
            raise NotFound.of("team", team_id)
    user = User(email=email, password_hash=hash_secret(password), role=role, member_id=member_id)
    session.add(user)
    session.flush()
    if team_ids:
        session.execute(
            coached_teams.insert(), [{"user_id": user.id, "team_id": t} for t in team_ids]
        )
    trail.record("account_created", "success", subject=email, reason=role.value)
    return user


def disable_user(session: Session, trail: AuditTrail, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account for {email}.")
    user.disabled = True
    session.flush()
    trail.record("account_disabled", "success", subject=user.email)
    return user


def create_client(
    session: Session,
    trail: AuditTrail,
    *,
    name: str,
    scopes: Sequence[Scope],
    organisation_codes: Sequence[str] = (),
) -> tuple[Client, str]:
    """The new client and its secret, which is shown this once and stored only as a hash."""
    if session.scalar(select(Client).where(Client.name == name)) is not None:
        raise Conflict(f"A client called {name!r} already exists.", slug="duplicate-client")
    organisations = []
    for code in organisation_codes:
        organisation = session.scalar(
            select(Organisation).where(Organisation.ods_code == code.upper())
        )
        if organisation is None:
            raise NotFound(f"No organisation with ODS code {code}.")
        organisations.append(organisation)
    secret = secrets.token_urlsafe(32)
    client = Client(name=name, secret_hash=hash_secret(secret), scopes=sorted(set(scopes)))
    session.add(client)
    session.flush()
    if organisations:
        session.execute(
            client_organisations.insert(),
            [{"client_id": client.id, "organisation_id": o.id} for o in organisations],
        )
    trail.record("client_created", "success", subject=name, reason=" ".join(client.scopes))
    return client, secret
