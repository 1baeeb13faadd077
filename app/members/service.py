"""Creating, finding and changing members (removing them, with erasure, is app.erasure)."""

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.db import apply_changes, get_or_404
from app.errors import InvalidInput
from app.members.models import EMAIL_TAKEN, Member
from app.members.schemas import MemberCreate, MemberUpdate
from app.organisations.models import Organisation
from app.pagination import paginate


def _check_organisation(session: Session, organisation_id: uuid.UUID) -> None:
    if session.get(Organisation, organisation_id) is None:
        raise InvalidInput.at(
            ("body", "organisation_id"), f"No organisation with id {organisation_id}."
        )


def _ensure_email_free(session: Session, email: str, owner: Member | None) -> None:
    existing = session.scalar(select(Member).where(Member.email == email))
    if existing is not None and existing is not owner:
        raise EMAIL_TAKEN.error()


def create_member(session: Session, data: MemberCreate) -> Member:
    _check_organisation(session, data.organisation_id)
    _ensure_email_free(session, data.email, None)
    member = Member(**data.model_dump())
    session.add(member)
    session.flush()
    return member


def get_member(session: Session, member_id: uuid.UUID) -> Member:
    return get_or_404(session, Member, member_id, "member")


def list_members(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    organisation_id: uuid.UUID | None = None,
    email: str | None = None,
    name: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Member], str | None]:
    """A page of people; `name` matches any part of the name, ignoring case, with `%` and
    `_` taken literally."""
    statement = select(Member) if visible is None else select(Member).where(visible)
    if name is not None:
        statement = statement.where(Member.name.icontains(name, autoescape=True))
    if organisation_id is not None:
        statement = statement.where(Member.organisation_id == organisation_id)
    if email is not None:
        statement = statement.where(Member.email == email.lower())
    return paginate(
        session,
        statement,
        sort_key=Member.created_at,
        id_key=Member.id,
        limit=limit,
        cursor=cursor,
        list_name="members",
        filters={"organisation_id": organisation_id, "email": email, "name": name},
    )


def update_member(session: Session, member: Member, patch: MemberUpdate) -> Member:
    changes = patch.model_dump(exclude_unset=True)
    if "organisation_id" in changes:
        _check_organisation(session, changes["organisation_id"])
    if "email" in changes:
        _ensure_email_free(session, changes["email"], member)
    apply_changes(member, changes)
    session.flush()
    return member
