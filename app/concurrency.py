"""Optimistic concurrency: ETags derived from a resource's version, and If-Match checks."""

from typing import Protocol
from uuid import UUID

from app.errors import PreconditionFailed, PreconditionRequired


class Versioned(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def version(self) -> int: ...


def etag(resource: Versioned) -> str:
    """A strong ETag, `"<id>-<version>"`; `"<kind>-<id>-<version>"` for a resource whose class
    sets `ETAG_KIND` because it shares its id with another resource (an equality profile is
    identified by its member), so that neither one's tag is ever taken for the other's."""
    kind: str = getattr(type(resource), "ETAG_KIND", "")
    prefix = f"{kind}-" if kind else ""
    return f'"{prefix}{resource.id}-{resource.version}"'


def require_current(resource: Versioned, if_match: str | None) -> None:
    """Refuse a change unless If-Match names the resource's current version (RFC 9110 13.1.1)."""
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you last read, so a concurrent change is not overwritten."
        )
    candidates = {candidate.strip() for candidate in if_match.split(",")}
    if "*" in candidates or etag(resource) in candidates:
        return
    raise PreconditionFailed(
        f"If-Match does not name the current version {etag(resource)}; read it again and retry."
    )
