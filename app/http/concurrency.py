"""Optimistic concurrency: ETags derived from a resource's version, and If-Match checks."""

import hashlib
import re
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from app.errors import BadRequest, PreconditionFailed, PreconditionRequired

# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE.
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*')


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


def list_etag(kind: str, owner: Iterable[UUID], rows: Iterable[tuple[UUID, int]]) -> str:
    """A strong ETag for a whole list that a PUT replaces, `"<kind>-<owner ids>-<digest>"`: the
    digest covers every row's (id, version), whatever page or part of the list a caller is
    shown, and a replacement makes new rows, so it changes with every PUT. `kind` keeps it
    apart from the owner's own tag (a meeting's register is not the meeting)."""
    digest = hashlib.sha256(
        ";".join(f"{ident}:{version}" for ident, version in sorted(rows)).encode()
    ).hexdigest()
    return f'"{kind}-{"-".join(str(ident) for ident in owner)}-{digest[:24]}"'


def require_current(resource: Versioned, if_match: str | None) -> None:
    """Refuse a change unless If-Match names the resource's current version (RFC 9110 13.1.1)."""
    require_tag(etag(resource), if_match)


def require_tag(current: str, if_match: str | None) -> None:
    """Refuse a change unless If-Match names `current`, the ETag the resource has now."""
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you last read, so a concurrent change is not overwritten."
        )
    if if_match.strip() == "*":
        # RFC 9110 13.1.1: `*` matches whatever version is current; it skips the check.
        return
    tags = _entity_tags(if_match)
    if any(tag == current and not weak for weak, tag in tags):
        return
    if any(tag == current for _, tag in tags):
        raise PreconditionFailed(
            "A weak ETag (W/...) never matches If-Match (RFC 9110 13.1.1); send the ETag as read."
        )
    raise PreconditionFailed(
        f"If-Match does not name the current version {current}; read it again and retry."
    )


def _entity_tags(header: str) -> list[tuple[bool, str]]:
    """(weak, quoted tag) for each entity-tag of an If-Match list; 400 for anything else."""
    tags = []
    for part in header.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match is None:
            raise BadRequest(
                "If-Match takes `*` or ETags as the ETag header gives them, quotes included,"
                ' e.g. If-Match: "<etag>".'
            )
        tags.append((match.group(1) is not None, match.group(2)))
    return tags
