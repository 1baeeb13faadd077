"""Recording audit events outside the request's transaction, and reading them back."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEvent
from app.pagination import paginate


@dataclass
class AuditTrail:
    """The events of one request. They are written after the request's own transaction has
    ended, in a transaction of their own, so a refused or failed request is still recorded."""

    method: str | None = None
    path: str | None = None
    client_address: str | None = None
    actor: str | None = None
    events: list[AuditEvent] = field(default_factory=list)

    def record(
        self,
        action: str,
        outcome: str,
        *,
        subject: str | None = None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> None:
        self.events.append(
            AuditEvent(
                actor=actor or self.actor,
                action=action,
                outcome=outcome,
                subject=subject,
                reason=reason,
                method=self.method,
                path=self.path,
                client_address=self.client_address,
            )
        )

    def flush(self, factory: sessionmaker[Session]) -> None:
        if not self.events:
            return
        with factory.begin() as session:
            session.add_all(self.events)
        self.events = []


def recent_failures(
    session: Session, action: str, since: datetime, *, subject: str | None, address: str | None
) -> tuple[int, int]:
    """Failed attempts since `since`: for this subject, and from this address."""
    base = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == action,
        AuditEvent.outcome == "failure",
        AuditEvent.occurred_at >= since,
    )
    by_subject = session.scalar(base.where(AuditEvent.subject == subject)) if subject else 0
    by_address = session.scalar(base.where(AuditEvent.client_address == address)) if address else 0
    return by_subject or 0, by_address or 0


def list_events(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    action: str | None = None,
    outcome: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
) -> tuple[list[AuditEvent], str | None]:
    statement = select(AuditEvent)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if outcome is not None:
        statement = statement.where(AuditEvent.outcome == outcome)
    if actor is not None:
        statement = statement.where(AuditEvent.actor == actor)
    if since is not None:
        statement = statement.where(AuditEvent.occurred_at >= since)
    return paginate(
        session,
        statement,
        sort_key=AuditEvent.occurred_at,
        id_key=AuditEvent.id,
        limit=limit,
        cursor=cursor,
    )
