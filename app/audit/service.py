"""Recording audit events outside the request's transaction, and reading them back.

An event is always recorded: its text is cleaned to fit its columns, and when the database
refuses the write (down, busy), the events are logged and written later by a background
retry, so an audit write never changes the answer a request gets."""

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient, sessionmaker

from app.audit.actions import AuditAction
from app.audit.models import AuditEvent
from app.db import fit, independent_transaction, utc_now
from app.pagination import paginate

logger = logging.getLogger(__name__)


# The text columns of an event, each filled from the request or the caller.
TEXT_FIELDS = (
    "actor",
    "action",
    "outcome",
    "subject",
    "reason",
    "method",
    "path",
    "client_address",
)


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
        action: AuditAction,
        outcome: str,
        *,
        subject: str | None = None,
        reason: str | None = None,
        actor: str | None = None,
        path: str | None = None,
    ) -> None:
        """`path` replaces the request's own, where that would name what must not be kept."""
        fields = {
            "actor": actor or self.actor,
            "action": action,
            "outcome": outcome,
            "subject": subject,
            "reason": reason,
            "method": self.method,
            "path": path or self.path,
            "client_address": self.client_address,
        }
        columns = AuditEvent.__table__.c
        cleaned = {name: fit(value, columns[name]) for name, value in fields.items()}
        # Id and time now, not at the write: a retried event keeps when it happened.
        self.events.append(AuditEvent(id=uuid.uuid4(), occurred_at=utc_now(), **cleaned))

    def discard_successes(self) -> None:
        """The request's transaction did not commit: a change it recorded never happened."""
        self.events = [event for event in self.events if event.outcome != "success"]

    def flush(self, factory: sessionmaker[Session]) -> None:
        """Write the events in a transaction of their own; never raises."""
        if self.events:
            events, self.events = self.events, []
            writer_for(factory).write(events)


@contextmanager
def audited_transaction(
    factory: sessionmaker[Session], trail: AuditTrail, *, writes: bool = True
) -> Iterator[Session]:
    """The work of one request or CLI command in an independent transaction, then its audit
    events in another: on failure it rolls back, the error propagates, and the events are
    still written, less the successes that did not happen."""
    try:
        with independent_transaction(factory, writes=writes) as session:
            yield session
    except BaseException:
        trail.discard_successes()
        raise
    finally:
        trail.flush(factory)


class AuditWriter:
    """Writes events for one database; what the database refuses waits in memory and is
    retried in the background, oldest first, until it is written."""

    RETRY_SECONDS = 1.0
    MAX_WAITING = 10_000

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._waiting: deque[list[AuditEvent]] = deque()
        self._lock = threading.Lock()
        self._retrying = False

    def write(self, events: list[AuditEvent]) -> None:
        with self._lock:
            backlog = bool(self._waiting)
        if not backlog and self._try(events):
            return
        self._hold(events)

    def _try(self, events: list[AuditEvent]) -> bool:
        try:
            with independent_transaction(self.factory) as session:
                session.add_all(events)
        except Exception as error:  # down, busy or anything else: never the request's problem
            logger.warning("audit write failed (%s); will retry", type(error).__name__)
            for event in events:
                make_transient(event)  # addable to a new session again
            return False
        return True

    def _hold(self, events: list[AuditEvent]) -> None:
        for event in events:
            # The log keeps every event until it is written, so none is lost with the process.
            logger.warning("audit event waiting: %s", json.dumps(_summary(event)))
        with self._lock:
            if sum(len(batch) for batch in self._waiting) + len(events) > self.MAX_WAITING:
                logger.error("audit backlog full; %d event(s) only in the log", len(events))
                return
            self._waiting.append(events)
            if not self._retrying:
                self._retrying = True
                threading.Thread(target=self._retry, name="audit-retry", daemon=True).start()

    def _retry(self) -> None:
        while True:
            time.sleep(self.RETRY_SECONDS)
            with self._lock:
                if not self._waiting:
                    self._retrying = False
                    return
                batch = self._waiting[0]
            if self._try(batch):
                with self._lock:
                    self._waiting.popleft()
                logger.info("audit backlog: %d event(s) written", len(batch))


_writers: "WeakKeyDictionary[sessionmaker[Session], AuditWriter]" = WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer_for(factory: sessionmaker[Session]) -> AuditWriter:
    with _writers_lock:
        writer = _writers.get(factory)
        if writer is None:
            writer = _writers[factory] = AuditWriter(factory)
        return writer


def _summary(event: AuditEvent) -> dict[str, str | None]:
    return {name: getattr(event, name) for name in TEXT_FIELDS}


def list_events(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    action: AuditAction | None = None,
    outcome: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    newest_first: bool = False,
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
        list_name="audit-events",
        filters={"action": action, "outcome": outcome, "actor": actor, "since": since},
        descending=newest_first,
    )
