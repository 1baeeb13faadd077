"""Machine clients: creating, finding, changing, rotating secrets and revoking; no FastAPI.

The API and the `qicollab clients` commands share these rules. A secret is shown once, when
it is made, and stored only as a hash. Rotating it bumps `secret_version`, which access tokens
carry, so tokens issued with the old secret stop at once; so do those of a disabled or
deleted client.
"""

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth.models import CLIENT_NAME_TAKEN, Client, Scope
from app.auth.passwords import hash_secret
from app.clients.schemas import ClientUpdate
from app.db import apply_changes, get_or_404, utc_now
from app.errors import InvalidInput, NotFound
from app.organisations.models import Organisation
from app.pagination import paginate


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _ensure_name_free(session: Session, name: str, owner: Client | None) -> None:
    existing = session.scalar(select(Client).where(Client.name == name))
    if existing is not None and existing is not owner:
        raise CLIENT_NAME_TAKEN.error()


def organisations_by_id(session: Session, ids: Sequence[uuid.UUID]) -> list[Organisation]:
    wanted = list(dict.fromkeys(ids))
    found = {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }
    for index, ident in enumerate(ids):
        if ident not in found:
            raise InvalidInput.at(
                ("body", "organisation_ids", index), f"No organisation with id {ident}."
            )
    return [found[ident] for ident in wanted]


def organisations_by_code(session: Session, codes: Sequence[str]) -> list[Organisation]:
    """For the command line, which names organisations by ODS code."""
    found = []
    for code in codes:
        organisation = session.scalar(
            select(Organisation).where(Organisation.ods_code == code.upper())
        )
        if organisation is None:
            raise NotFound(f"No organisation with ODS code {code}.")
        found.append(organisation)
    return found


def _scopes(scopes: Sequence[Scope]) -> list[str]:
    return sorted({Scope(scope).value for scope in scopes})


def create_client(
    session: Session,
    trail: AuditTrail,
    *,
    name: str,
    scopes: Sequence[Scope],
    organisations: Sequence[Organisation] = (),
) -> tuple[Client, str]:
    """The new client and its secret, which is shown this once and stored only as a hash."""
    _ensure_name_free(session, name, None)
    secret = new_secret()
    client = Client(
        name=name,
        secret_hash=hash_secret(secret),
        scopes=_scopes(scopes),
        organisations=list(organisations),
    )
    session.add(client)
    session.flush()
    trail.record(
        AuditAction.CLIENT_CREATED,
        "success",
        subject=str(client.id),
        reason=" ".join(client.scopes),
    )
    return client, secret


def get_client(session: Session, client_id: uuid.UUID) -> Client:
    return get_or_404(session, Client, client_id, "client")


def find_client(session: Session, id_or_name: str) -> Client:
    """By id or by name, for the command line."""
    try:
        client = session.get(Client, uuid.UUID(id_or_name))
    except ValueError:
        client = session.scalar(select(Client).where(Client.name == id_or_name))
    if client is None:
        raise NotFound(f"No client {id_or_name}.")
    return client


def list_clients(
    session: Session, *, limit: int, cursor: str | None, disabled: bool | None = None
) -> tuple[list[Client], str | None]:
    statement = select(Client)
    if disabled is not None:
        statement = statement.where(Client.disabled == disabled)
    return paginate(
        session,
        statement,
        sort_key=Client.created_at,
        id_key=Client.id,
        limit=limit,
        cursor=cursor,
        list_name="clients",
        filters={"disabled": disabled},
    )


def update_client(
    session: Session, trail: AuditTrail, client: Client, patch: ClientUpdate
) -> Client:
    """Name, scopes, organisations and enabled state; each change is audited."""
    changes = patch.model_dump(exclude_unset=True)
    reasons = []
    if "name" in changes and changes["name"] != client.name:
        _ensure_name_free(session, changes["name"], client)
        reasons.append("name")
    if "scopes" in changes:
        changes["scopes"] = _scopes(changes["scopes"])
        if changes["scopes"] != client.scopes:
            reasons.append(f"scopes {' '.join(changes['scopes'])}")
    if "organisation_ids" in changes:
        client.organisations = organisations_by_id(session, changes.pop("organisation_ids"))
        # A link-table change alone does not touch the row; bump it so the ETag moves.
        client.updated_at = utc_now()
        reasons.append("organisations")
    if "disabled" in changes and changes["disabled"] != client.disabled:
        action = AuditAction.CLIENT_DISABLED if changes["disabled"] else AuditAction.CLIENT_ENABLED
        trail.record(action, "success", subject=str(client.id))
    apply_changes(client, changes)
    session.flush()
    if reasons:
        trail.record(
            AuditAction.CLIENT_CHANGED, "success", subject=str(client.id), reason=", ".join(reasons)
        )
    return client


def set_disabled(session: Session, trail: AuditTrail, client: Client, disabled: bool) -> Client:
    return update_client(session, trail, client, ClientUpdate(disabled=disabled))


def rotate_secret(session: Session, trail: AuditTrail, client: Client) -> str:
    """A new secret (returned once); the old one, and every token issued with it, stop now."""
    secret = new_secret()
    client.secret_hash = hash_secret(secret)
    client.secret_version += 1
    session.flush()
    trail.record(AuditAction.CLIENT_SECRET_ROTATED, "success", subject=str(client.id))
    return secret


def delete_client(session: Session, trail: AuditTrail, client: Client) -> None:
    session.delete(client)
    session.flush()
    trail.record(AuditAction.CLIENT_DELETED, "success", subject=str(client.id))
