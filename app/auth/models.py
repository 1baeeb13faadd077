"""Accounts for people, machine clients, and refresh tokens."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Resource, enum_column


class Role(StrEnum):
    ADMIN = "admin"  # the programme lead
    COACH = "coach"  # a QI coach of named teams
    MEMBER = "member"  # a team member, linked to a member record


class Scope(StrEnum):
    SURVEYS_WRITE = "surveys:write"
    WORKFORCE_WRITE = "workforce:write"
    MEASURES_WRITE = "measures:write"
    SYNC_RUN = "sync:run"
    READ = "read"


coached_teams = Table(
    "coached_teams",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True),
)

client_organisations = Table(
    "client_organisations",
    Base.metadata,
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class User(Resource, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, 16))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), index=True)
    disabled: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"User({self.email!r}, {self.role})"


class Client(Resource, Base):
    __tablename__ = "clients"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(default=False)

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
