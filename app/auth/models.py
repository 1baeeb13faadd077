"""Accounts for people, machine clients, and refresh tokens."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import DUPLICATE, Base, Resource, enum_column, unique
from app.errors import Duplicate

if TYPE_CHECKING:
    from app.organisations.models import Organisation


class Role(StrEnum):
    ADMIN = "admin"  # the programme lead
    COACH = "coach"  # a QI coach of named teams
    MEMBER = "member"  # a team member, linked to a member record


class Scope(StrEnum):
    """What a machine client may do; a scope exists only once a route honours it."""

    IMPORTS_WRITE = "imports:write"
    MEASURES_WRITE = "measures:write"
    READ = "read"


client_organisations = Table(
    "client_organisations",
    Base.metadata,
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


ACCOUNT_EMAIL_TAKEN = Duplicate(
    "duplicate-account", "An account with this email address already exists.", ("email",)
)
# The member record is found by the email the caller sent, so that is the field it names.
MEMBER_HAS_ACCOUNT = Duplicate(
    "duplicate-account", "The member record with this email already has an account.", ("email",)
)


class User(Resource, Base):
    __tablename__ = "users"
    __table_args__ = (
        unique("email", duplicate=ACCOUNT_EMAIL_TAKEN),
        Index("ix_users_member_id", "member_id", unique=True, info={DUPLICATE: MEMBER_HAS_ACCOUNT}),
    )

    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, 16))
    # The person's member record (the one with the same email): at most one account each.
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    disabled: Mapped[bool] = mapped_column(default=False)
    # Set by a password reset: until the person chooses a new password, only /me answers.
    must_change_password: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"User({self.email!r}, {self.role})"


CLIENT_NAME_TAKEN = Duplicate(
    "duplicate-client", "Another client already has this name.", ("name",)
)


class Client(Resource, Base):
    __tablename__ = "clients"
    __table_args__ = (unique("name", duplicate=CLIENT_NAME_TAKEN),)

    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(default=False)
    # Bumped when the secret is rotated; access tokens carry it, so older ones stop at once.
    secret_version: Mapped[int] = mapped_column(default=1)

    # The organisations whose teams it acts for; none means every team.
    organisations: Mapped[list["Organisation"]] = relationship(
        secondary=client_organisations, lazy="selectin", order_by="Organisation.ods_code"
    )

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [organisation.id for organisation in self.organisations]

    def __repr__(self) -> str:
        return f"Client({self.name!r})"


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256; used once, then replaced by its child.

    Tokens descending from one sign-in share a `family_id`; presenting a used token again
    revokes the whole family (RFC 9700 4.14.2)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SignInAttempt(Base):
    """A sign-in, recorded (as `pending`) before its credentials are checked, so attempts that
    arrive together count each other; the sign-in limits count these rows."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_grant_subject_at", "grant", "subject", "attempted_at"),
        Index("ix_sign_in_attempts_grant_address_at", "grant", "address", "attempted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    grant: Mapped[str] = mapped_column(String(20))  # "password" or "client_credentials"
    subject: Mapped[str] = mapped_column(String(254))  # the email or client id tried
    address: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(10))  # pending, failure, success
