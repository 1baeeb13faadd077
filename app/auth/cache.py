"""A few seconds' memory of the callers verified tokens name, forgotten when accounts change.

A request whose token was verified moments ago skips the signature check and the account
look-up. Any transaction that changes an account, a client, its organisations or a sign-in
(disable, role, password, reset, rotate, sign-out, refresh reuse) empties the cache when it
commits, so in this process such a change stops the old tokens at once; in another process
(the CLI, another worker) within TTL_SECONDS.
"""

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.auth.models import Client, RefreshToken, User, client_organisations
from app.auth.principal import Principal

TTL_SECONDS = 2.0
MAX_ENTRIES = 10_000
# The tables and models whose changes can change, or end, what a token stands for.
WATCHED_MODELS = (User, Client, RefreshToken)
WATCHED_TABLES = frozenset(
    [*(str(model.__tablename__) for model in WATCHED_MODELS), client_organisations.name]
)
_CHANGED = "qi_principals_changed"  # Session.info flag: forget the cache on commit


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float  # time.monotonic()


class PrincipalCache:
    """Token -> Principal for TTL_SECONDS (never past the token's `exp`). A look-up that began
    before the cache was last emptied is not stored, so a change cannot be undone by a request
    that read the account just before it committed."""

    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _caches.add(self)

    @property
    def generation(self) -> int:
        """Read before looking a caller up; pass to `put`."""
        return self._generation

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None or entry.until <= time.monotonic():
            return None
        return entry.principal

    def put(self, token: str, principal: Principal, expires_at: float, generation: int) -> None:
        """Remember `principal` for `token` until TTL or `expires_at` (epoch seconds)."""
        now = time.monotonic()
        until = now + min(self.ttl, expires_at - time.time())
        if until <= now:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries = {k: e for k, e in self._entries.items() if e.until > now}
                if len(self._entries) >= self.max_entries:
                    del self._entries[next(iter(self._entries))]
            self._entries[token] = _Entry(principal, until)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries = {}


# Every cache in the process (one per app), so that any session, whoever opened it, empties
# them all when it changes an account.
_caches: "weakref.WeakSet[PrincipalCache]" = weakref.WeakSet()


def clear_all() -> None:
    for cache in list(_caches):
        cache.clear()


def _mark(session: Session) -> None:
    session.info[_CHANGED] = True
    # Look-ups already under way may have read the account as it was: keep them out.
    clear_all()


@event.listens_for(Session, "before_flush")
def _note_changed_accounts(session: Session, _flush: UOWTransaction, _objects: Any) -> None:
    if any(isinstance(o, WATCHED_MODELS) for o in (*session.dirty, *session.deleted)):
        _mark(session)


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name in WATCHED_TABLES:
        _mark(state.session)


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        clear_all()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
