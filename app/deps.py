"""FastAPI dependency aliases shared by the routers: the request's session and common parameters."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from app.pagination import DEFAULT_LIMIT, MAX_LIMIT


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    with request.app.state.sessionmaker.begin() as session:
        yield session


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
        description="Required: the ETag last read. Without it 428, when stale 412.",
    ),
]
