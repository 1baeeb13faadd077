"""The audit_events table: who did what, when, with what outcome; never payloads or secrets."""

import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utc_now


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # Sign-in limits count recent failures per account and per address.
    __table_args__ = (
        Index("ix_audit_events_action_subject_at", "action", "subject", "occurred_at"),
        Index("ix_audit_events_action_address_at", "action", "client_address", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    actor: Mapped[str | None] = mapped_column(String(100))  # "user:<id>" / "client:<id>"
    action: Mapped[str] = mapped_column(String(60))  # e.g. "sign_in", "token_refused"
    outcome: Mapped[str] = mapped_column(String(20))  # "success", "failure", "denied"
    subject: Mapped[str | None] = mapped_column(String(254))  # what it was about
    reason: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))
    client_address: Mapped[str | None] = mapped_column(String(64))
