"""Field-level rules: which fields of an object in reach a caller may set; no FastAPI.

What a caller reaches is app.reach.conditions's one rule."""

from collections.abc import Iterable
from datetime import date

from app.auth.principal import Principal
from app.errors import Forbidden


def ensure_may_set(principal: Principal, fields: Iterable[str], privileged: Iterable[str]) -> None:
    """Only admins set privileged fields; anyone else sending one is refused, not ignored."""
    if principal.is_admin:
        return
    refused = sorted(set(fields) & set(privileged))
    if refused:
        raise Forbidden(f"Only a programme lead may set {', '.join(refused)}.")


def ensure_may_add_membership(principal: Principal, left_on: date | None, on: date) -> None:
    """A membership that has ended before it is recorded takes no place, yet would bring the
    person into the coach's reach: only the programme lead records such history."""
    if not principal.is_admin and left_on is not None and left_on <= on:
        raise Forbidden(
            "Only a programme lead may record a membership that has already ended; add the"
            " member, then record that they left."
        )
