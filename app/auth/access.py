"""Object- and field-level rules: whose team a caller may change, and which fields; no FastAPI."""

from collections.abc import Iterable

from app.auth.principal import Principal
from app.errors import Forbidden, NotFound
from app.teams.models import Team


def ensure_team_in_reach(principal: Principal, team: Team) -> None:
    """Admins reach every team; coaches their coached teams, members their own teams, and a
    trust's client the teams of its organisations. Another team is 404, as if absent, so the
    answer does not reveal that it exists."""
    if principal.is_admin:
        return
    if principal.role is not None:
        if team.id in principal.team_ids:
            return
    elif not principal.organisation_ids or principal.organisation_ids & set(team.organisation_ids):
        return
    raise NotFound.of("team", team.id)


def ensure_may_set(principal: Principal, fields: Iterable[str], privileged: Iterable[str]) -> None:
    """Only admins set privileged fields; anyone else sending one is refused, not ignored."""
    if principal.is_admin:
        return
    refused = sorted(set(fields) & set(privileged))
    if refused:
        raise Forbidden(f"Only a programme lead may set {', '.join(refused)}.")
