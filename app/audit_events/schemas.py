"""Response bodies for the audit trail."""

import uuid
from datetime import datetime

from app.schemas import ReadModel


class AuditEventRead(ReadModel):
    id: uuid.UUID
    occurred_at: datetime
    actor: str | None
    action: str
    outcome: str
    subject: str | None
    reason: str | None
    method: str | None
    path: str | None
    client_address: str | None
