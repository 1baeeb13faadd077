"""Creating, finding, changing and removing organisations."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import apply_changes, delete_unless_referenced, get_or_404
from app.organisations.models import ODS_CODE_TAKEN, Organisation, OrganisationKind
from app.organisations.schemas import OrganisationCreate, OrganisationUpdate
from app.pagination import paginate


def _ensure_ods_code_free(session: Session, ods_code: str, owner: Organisation | None) -> None:
    existing = session.scalar(select(Organisation).where(Organisation.ods_code == ods_code))
    if existing is not None and existing is not owner:
        raise ODS_CODE_TAKEN.error()


def create_organisation(session: Session, data: OrganisationCreate) -> Organisation:
    _ensure_ods_code_free(session, data.ods_code, None)
    organisation = Organisation(**data.model_dump())
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    return get_or_404(session, Organisation, organisation_id, "organisation")


def list_organisations(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    kind: OrganisationKind | None = None,
    ods_code: str | None = None,
) -> tuple[list[Organisation], str | None]:
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(Organisation.kind == kind)
    if ods_code is not None:
        statement = statement.where(Organisation.ods_code == ods_code.upper())
    return paginate(
        session,
        statement,
        sort_key=Organisation.created_at,
        id_key=Organisation.id,
        limit=limit,
        cursor=cursor,
        list_name="organisations",
        filters={"kind": kind, "ods_code": ods_code},
    )


def update_organisation(
    session: Session, organisation: Organisation, patch: OrganisationUpdate
) -> Organisation:
    changes = patch.model_dump(exclude_unset=True)
    if "ods_code" in changes:
        _ensure_ods_code_free(session, changes["ods_code"], organisation)
    apply_changes(organisation, changes)
    session.flush()
    return organisation


def delete_organisation(session: Session, organisation: Organisation) -> None:
    delete_unless_referenced(
        session,
        organisation,
        f"Organisation {organisation.ods_code} still has teams, members or teams' external"
        " references; move them first.",
    )
