"""Who is calling, and what each kind of caller may do; no FastAPI here."""

import uuid
from dataclasses import dataclass, field

from app.auth.models import Role, Scope


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person with a role, or a machine client with scopes."""

    actor: str  # "user:<id>" or "client:<id>", as recorded in the audit trail
    role: Role | None = None
    scopes: frozenset[Scope] = frozenset()
    # A person's member record: their teams (as coach or member) follow from it, read from the
    # teams and memberships at each request, never from a copy (app.reach.conditions).
    member_id: uuid.UUID | None = None
    # A trust's client acts only for teams of its own organisations; empty means unbound.
    organisation_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # After a password reset: until a new password is chosen, only the caller's own account.
    must_change_password: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_client(self) -> bool:
        return self.actor.startswith("client:")


@dataclass(frozen=True)
class Permission:
    """What a route needs: one of these roles, or (for machine clients) one of these scopes."""

    roles: frozenset[Role]
    scopes: frozenset[Scope]
    name: str
    # Open to a person who must change their password first (what they need to do it).
    before_password_change: bool = False

    def allows(self, principal: Principal) -> bool:
        if principal.role is not None:
            return principal.role in self.roles
        return bool(self.scopes & principal.scopes)


EVERY_ROLE = frozenset(Role)

# Reading is open to every person and to clients with `read`; object-level rules narrow it.
READ = Permission(EVERY_ROLE, frozenset({Scope.READ}), "read")
# Running the programme: organisations, collaboratives, people, shared definitions, meetings.
ADMINISTER = Permission(frozenset({Role.ADMIN}), frozenset(), "administer")
# A team's own work: its details and membership (coaches and admins).
MANAGE_TEAM = Permission(frozenset({Role.ADMIN, Role.COACH}), frozenset(), "manage_team")
# A team's data points and rebase dates: its coach, its members, and trusts' upload clients.
RECORD_DATA = Permission(EVERY_ROLE, frozenset({Scope.MEASURES_WRITE}), "record_data")
# Posting extracts (POST /imports): admins, coaches for the teams they coach, and trusts'
# clients for their own organisations' rows (the import checks each row).
IMPORT = Permission(frozenset({Role.ADMIN, Role.COACH}), frozenset({Scope.IMPORTS_WRITE}), "import")
# Applying to a collaborative, and reading one's applications: people only, never clients.
APPLY = Permission(EVERY_ROLE, frozenset(), "apply")
# The selection panel: reviewing applications (admins and coaches).
REVIEW = Permission(frozenset({Role.ADMIN, Role.COACH}), frozenset(), "review")
# Giving a team a progress score: people only (who may give which is the service's rule).
ASSESS = Permission(EVERY_ROLE, frozenset(), "assess")
# A team's improvement work (change ideas, driver diagram, PDSA cycles): the people who reach
# the team (its members, its coach, admins), never machine clients.
TEAM_WORK = Permission(EVERY_ROLE, frozenset(), "team_work")
# The charts of posted series: anyone who may read.
CHART = Permission(EVERY_ROLE, frozenset({Scope.READ}), "chart")
# One's own equality profile: people only (each sees their own; admins everyone's), never clients.
OWN_PROFILE = Permission(EVERY_ROLE, frozenset(), "own_profile")
# Who the caller is (GET /me): every caller, even one who must change their password first.
SELF = Permission(EVERY_ROLE, frozenset(Scope), "self", before_password_change=True)
# Changing one's own password: people only.
OWN_PASSWORD = Permission(EVERY_ROLE, frozenset(), "own_password", before_password_change=True)
