"""FastAPI dependency aliases shared by the routers: settings, session, common parameters."""

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Annotated

import anyio
from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.audit.service import AuditTrail, audited_transaction
from app.config import Settings
from app.errors import FieldProblem, InvalidInput
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT


async def app_settings(request: Request) -> Settings:
    """The settings the app was built with (async: no thread-pool hop for an attribute read)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def audit_trail(request: Request) -> AuditTrail:
    """The request's audit events, written when its transaction has ended."""
    trail: AuditTrail | None = getattr(request.state, "audit_trail", None)
    if trail is None:
        client = request.client.host if request.client else None
        trail = AuditTrail(method=request.method, path=request.url.path, client_address=client)
        request.state.audit_trail = trail
    return trail


# Requests that only read; any other method's transaction is expected to write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_only(request: Request) -> None:
    """Declares a route that writes nothing although its method is not a safe one (a POST
    that computes): its transaction then does not hold SQLite's write lock while it works.
    List it first in the route's dependencies, before anything that opens the session."""
    request.state.read_only = True


READ_ONLY = Depends(read_only)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on error.
    The audit events are written afterwards in their own transaction, so a refused request is
    recorded even though its own changes are not kept (`audited_transaction`, as the CLI).
    Opening it touches no database (the connection is taken at the first statement), so it
    runs on the event loop; ending it is one trip to the thread pool, shielded so a cancelled
    request still returns its connection."""
    writes = request.method not in SAFE_METHODS and not getattr(request.state, "read_only", False)
    transaction = audited_transaction(
        request.app.state.sessionmaker, audit_trail(request), writes=writes
    )
    session = transaction.__enter__()
    error: BaseException | None = None
    try:
        yield session
    except BaseException as caught:
        error = caught
        raise
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_end_request, transaction, error)


def _end_request(transaction: AbstractContextManager[Session], error: BaseException | None) -> None:
    """Commits, or rolls back when the endpoint raised `error` (which propagates on its own)."""
    if error is None:
        transaction.__exit__(None, None, None)
    else:
        transaction.__exit__(type(error), error, error.__traceback__)


def audited(request: Request) -> Iterator[AuditTrail]:
    """The request's audit trail, written when the endpoint is done, for routes that open
    their own short transactions instead of one for the whole request."""
    trail = audit_trail(request)
    try:
        yield trail
    finally:
        trail.flush(request.app.state.sessionmaker)


AuditDep = Annotated[AuditTrail, Depends(audited, scope="function")]

# scope="function": the commit runs before the response is sent, so a failed commit
# becomes an error response instead of a success that was never stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}).")
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` from the previous page.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Required: the ETag last read, quotes included. Without it 428; when stale,"
        " or weak (W/), 412; unquoted 400. `*` matches whatever version is current, so it skips"
        " the concurrency check: send it only to overwrite regardless.",
    ),
]


# Kept on the route itself: a cache keyed by id() could hand a later app's route the names
# of a route that has gone (tests build many apps), and APIRoute is not hashable.
_QUERY_NAMES = "_qi_query_names"


def _query_of(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for child in dependant.dependencies:
        names |= _query_of(child)
    return names


def _declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameters a route and its dependencies declare (worked out once a route)."""
    names: frozenset[str] | None = getattr(route, _QUERY_NAMES, None)
    if names is None:
        names = frozenset(_query_of(route.dependant))
        setattr(route, _QUERY_NAMES, names)
    return names


async def known_query_only(request: Request) -> None:
    """An unknown query parameter is 422, as an unknown body field is: `/teams?colour=red`
    must not quietly list every team. Async, so it runs on the event loop (the probes too)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _declared_query(route))
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter: {', '.join(unknown)}.",
            [
                FieldProblem(("query", name), "not a parameter of this operation")
                for name in unknown
            ],
        )
