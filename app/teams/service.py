"""Creating, finding, changing and removing teams, and the rules on selection."""

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.collaboratives import service as collaboratives_service
from app.collaboratives.models import Collaborative, CollaborativeStatus
from app.collaboratives.schemas import CollaborativeUpdate
from app.collaboratives.statuses import (
    ALLOWED_IN,
    PLACE_TAKING_STATUSES,
    TRANSITIONS,
    TeamStatus,
    allowed_in,
    names,
)
from app.db import apply_changes, delete_unless_referenced, get_or_404, lock, utc_now
from app.errors import Conflict, FieldProblem, InvalidInput
from app.integrations.directory import fold_ods, fold_ref
from app.members.models import Member
from app.memberships import service as memberships_service
from app.memberships.models import Membership
from app.organisations.models import Organisation
from app.pagination import paginate
from app.teams.models import (
    NAME_TAKEN,
    ExternalSystem,
    Team,
    TeamExternalRef,
    team_organisations,
)
from app.teams.schemas import ExternalRef, TeamCreate, TeamUpdate

# Whose an external ref is, and the ref as compared: ("ods_code", "RHQ", "ed-nursing-ngh") or
# ("system", "lifeqi", "<guid>").
RefKey = tuple[str, str, str]


def _ref_key(ods_code: str | None, system: str | None, ref: str) -> RefKey:
    if system is not None:
        return ("system", system, fold_ref(ref))
    return ("ods_code", fold_ods(ods_code or ""), fold_ref(ref))


def _collaborative_refs(session: Session, collaborative_id: uuid.UUID) -> dict[RefKey, uuid.UUID]:
    """Every external ref of the collaborative's teams, and the team it names (one query)."""
    rows = session.execute(
        select(
            TeamExternalRef.ods_code,
            TeamExternalRef.system,
            TeamExternalRef.ref,
            TeamExternalRef.team_id,
        )
        .join(Team, Team.id == TeamExternalRef.team_id)
        .where(Team.collaborative_id == collaborative_id)
    )
    return {_ref_key(ods_code, system, ref): team_id for ods_code, system, ref, team_id in rows}


def team_refs(session: Session, collaborative_id: uuid.UUID) -> dict[tuple[str, str], uuid.UUID]:
    """`(ODS code, folded ref)` -> team id for the collaborative's teams: how an extract's rows
    find their team (ingest spec 3 and 4), keyed as `app.integrations.directory.TeamDirectory`
    looks rows up: `(fold_ods(ods_code), fold_ref(team_ref))`."""
    return {
        (owner, ref): team_id
        for (kind, owner, ref), team_id in _collaborative_refs(session, collaborative_id).items()
        if kind == "ods_code"
    }


def system_refs(
    session: Session, collaborative_id: uuid.UUID, system: ExternalSystem
) -> dict[str, uuid.UUID]:
    """Folded ref -> team id for one QI tool's ids on the collaborative's teams."""
    return {
        ref: team_id
        for (kind, owner, ref), team_id in _collaborative_refs(session, collaborative_id).items()
        if kind == "system" and owner == system
    }


def _external_refs(
    session: Session, collaborative_id: uuid.UUID, owner: Team | None, refs: list[ExternalRef]
) -> list[TeamExternalRef]:
    """The refs as rows, once each is whole, names a known organisation and is not repeated
    (422 naming each bad one), and no other team of the collaborative holds one of them (409).
    The caller holds the collaborative's rule lock, so no other team takes a pair meanwhile."""
    codes = {ref.ods_code for ref in refs if ref.ods_code is not None}
    known = (
        set(session.scalars(select(Organisation.ods_code).where(Organisation.ods_code.in_(codes))))
        if codes
        else set()
    )
    problems: list[FieldProblem] = []
    seen: dict[RefKey, int] = {}
    for index, ref in enumerate(refs):
        at = ("body", "external_refs", index)
        if (ref.ods_code is None) == (ref.system is None):
            problems.append(FieldProblem(at, "Give either ods_code or system, not both."))
            continue
        if ref.ods_code is not None and ref.ods_code not in known:
            problems.append(
                FieldProblem((*at, "ods_code"), f"No organisation with ODS code {ref.ods_code}.")
            )
            continue
        key = _ref_key(ref.ods_code, ref.system, ref.ref)
        if key in seen:
            problems.append(FieldProblem((*at, "ref"), f"Repeats external_refs[{seen[key]}]."))
            continue
        seen[key] = index
    if problems:
        raise InvalidInput(problems[0].message, problems)
    taken = _collaborative_refs(session, collaborative_id) if seen else {}
    mine = owner.id if owner is not None else None
    clashes = [
        FieldProblem(("body", "external_refs", index, "ref"), "already taken")
        for key, index in seen.items()
        if taken.get(key, mine) != mine
    ]
    if clashes:
        raise Conflict(
            "Another team of the collaborative already has this external reference.",
            slug="duplicate-external-ref",
            title="Already exists",
            errors=clashes,
        )
    return [
        TeamExternalRef(ods_code=ref.ods_code, system=ref.system, ref=ref.ref, position=index)
        for index, ref in enumerate(refs)
    ]


def find_organisations(session: Session, organisation_ids: list[uuid.UUID]) -> list[Organisation]:
    """The organisations, in the order given, each once (422 naming the first unknown id)."""
    wanted = list(dict.fromkeys(organisation_ids))
    found = {
        organisation.id: organisation
        for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }
    for index, organisation_id in enumerate(organisation_ids):
        if organisation_id not in found:
            raise InvalidInput.at(
                ("body", "organisation_ids", index), f"No organisation with id {organisation_id}."
            )
    return [found[organisation_id] for organisation_id in wanted]


def count_place_taking_teams(session: Session, collaborative_id: uuid.UUID) -> int:
    statement = select(func.count(Team.id)).where(
        Team.collaborative_id == collaborative_id, Team.status.in_(PLACE_TAKING_STATUSES)
    )
    return session.scalar(statement) or 0


def largest_current_team(session: Session, collaborative_id: uuid.UUID) -> int:
    """The most current members any team of the collaborative has (one query)."""
    sizes = (
        select(func.count(Membership.id).label("size"))
        .join(Team, Team.id == Membership.team_id)
        .where(Team.collaborative_id == collaborative_id, Membership.is_current_clause())
        .group_by(Membership.team_id)
        .subquery()
    )
    return session.scalar(select(func.max(sizes.c.size))) or 0


def check_collaborative_change(
    session: Session, collaborative: Collaborative, patch: CollaborativeUpdate
) -> None:
    """Refuse a change to a collaborative that its teams do not suit: a maximum below what
    they already take, or a status some of them may not hold."""
    changes = patch.model_dump(exclude_unset=True)
    if "max_team_size" in changes:
        largest = largest_current_team(session, collaborative.id)
        if changes["max_team_size"] < largest:
            raise Conflict(
                f"A team already has {largest} current members; max_team_size cannot go"
                " below that.",
                slug="max-team-size",
            )
    if "max_teams" in changes:
        taken = count_place_taking_teams(session, collaborative.id)
        if changes["max_teams"] < taken:
            raise Conflict(
                f"{taken} teams are already selected; max_teams cannot go below that.",
                slug="max-teams",
            )
    if "status" in changes and changes["status"] != collaborative.status:
        _check_teams_allow(session, collaborative, changes["status"])


def _check_teams_allow(
    session: Session, collaborative: Collaborative, status: CollaborativeStatus
) -> None:
    """Every team's status must be one the new collaborative status allows (the caller holds
    the rule lock, so no team changes status meanwhile)."""
    allowed = ALLOWED_IN[status]
    statement = (
        select(Team.status, func.count(Team.id))
        .where(Team.collaborative_id == collaborative.id, Team.status.not_in(allowed))
        .group_by(Team.status)
    )
    counts: dict[TeamStatus, int] = dict(session.execute(statement).all())
    if counts:
        teams = ", ".join(
            f"{counts[s]} {'team is' if counts[s] == 1 else 'teams are'} `{s}`"
            for s in TeamStatus
            if s in counts
        )
        raise Conflict(
            f"The collaborative cannot become `{status}`: {teams}; while it is `{status}` its"
            f" teams may only be {names(allowed)}. Change those teams first.",
            slug="team-statuses",
        )


def _check_coach(session: Session, coach_id: uuid.UUID | None) -> None:
    if coach_id is not None and session.get(Member, coach_id) is None:
        raise InvalidInput.at(("body", "coach_id"), f"No member with id {coach_id}.")


def _check_can_take_place(session: Session, team: Team, collaborative: Collaborative) -> None:
    """A selected team needs exactly one current lead and a free place in the collaborative."""
    leads = memberships_service.count_current_leads(session, team.id)
    if leads != 1:
        raise Conflict(
            f"A team needs exactly one current lead before it is selected; it has {leads}.",
            slug="team-lead-required",
        )
    taken = count_place_taking_teams(session, collaborative.id)
    if taken >= collaborative.max_teams:
        raise Conflict(
            f"The collaborative already has its {collaborative.max_teams} selected teams.",
            slug="collaborative-full",
        )


def _check_transition(team: Team, new_status: TeamStatus) -> None:
    allowed = TRANSITIONS[team.status]
    if new_status not in allowed:
        raise Conflict(
            f"A team cannot go from `{team.status}` to `{new_status}`; from `{team.status}` it"
            f" may go to {names(allowed)}.",
            slug="invalid-status-transition",
        )


def _check_collaborative_allows(collaborative: Collaborative, status: TeamStatus) -> None:
    if status not in ALLOWED_IN[collaborative.status]:
        raise Conflict(
            f"The collaborative is `{collaborative.status}`; a team may be `{status}` only while"
            f" it is {names(allowed_in(status))}.",
            slug="collaborative-status",
        )


def create_team(session: Session, data: TeamCreate) -> Team:
    if session.get(Collaborative, data.collaborative_id) is None:
        raise InvalidInput.at(
            ("body", "collaborative_id"), f"No collaborative with id {data.collaborative_id}."
        )
    # Under the rule lock, so the collaborative cannot change status while this checks it.
    collaborative = collaboratives_service.lock_rules(session, data.collaborative_id)
    _check_coach(session, data.coach_id)
    if data.status in PLACE_TAKING_STATUSES:
        raise Conflict(
            "A new team has no lead yet, so it cannot start as selected; create it, add its"
            " lead, then change its status.",
            slug="team-lead-required",
        )
    _check_collaborative_allows(collaborative, data.status)
    _ensure_name_free(session, data.collaborative_id, data.name, None)
    team = Team(
        **data.model_dump(exclude={"organisation_ids", "external_refs"}),
        organisations=find_organisations(session, data.organisation_ids),
        external_refs=_external_refs(session, data.collaborative_id, None, data.external_refs),
    )
    session.add(team)
    session.flush()
    return team


def team_named(session: Session, collaborative_id: uuid.UUID, name: str) -> Team | None:
    return session.scalar(
        select(Team).where(Team.collaborative_id == collaborative_id, Team.name == name)
    )


def _ensure_name_free(
    session: Session, collaborative_id: uuid.UUID, name: str, owner: Team | None
) -> None:
    existing = team_named(session, collaborative_id, name)
    if existing is not None and existing is not owner:
        raise NAME_TAKEN.error()


def get_team(session: Session, team_id: uuid.UUID) -> Team:
    return get_or_404(session, Team, team_id, "team")


def get_team_for_change(session: Session, team_id: uuid.UUID) -> Team:
    """The team, read afresh under its collaborative's rule lock, for any change to its
    status or its memberships; check If-Match after this, not before."""
    team = get_team(session, team_id)
    collaboratives_service.lock_rules(session, team.collaborative_id)
    return lock(session, Team, team.id)


def get_team_for_data(session: Session, team_id: uuid.UUID) -> Team:
    """The team, its row locked: batches written to one team's series run one at a time, so
    two of them cannot deadlock or interleave."""
    get_team(session, team_id)
    return lock(session, Team, team_id)


def list_teams(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    collaborative_id: uuid.UUID | None = None,
    status: TeamStatus | None = None,
    organisation_id: uuid.UUID | None = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Team], str | None]:
    """Teams matching the filters, limited to `visible` (the caller's reach) when given. The
    organisations come joined to the page in the same query (a second, selectin query cost
    as much again); the external refs in one more query for the whole page."""
    statement = select(Team).options(
        joinedload(Team.organisations), selectinload(Team.external_refs)
    )
    if visible is not None:
        statement = statement.where(visible)
    if collaborative_id is not None:
        statement = statement.where(Team.collaborative_id == collaborative_id)
    if status is not None:
        statement = statement.where(Team.status == status)
    if organisation_id is not None:
        statement = statement.where(
            Team.id.in_(
                select(team_organisations.c.team_id).where(
                    team_organisations.c.organisation_id == organisation_id
                )
            )
        )
    return paginate(
        session,
        statement,
        sort_key=Team.created_at,
        id_key=Team.id,
        limit=limit,
        cursor=cursor,
        list_name="teams",
        filters={
            "collaborative_id": collaborative_id,
            "status": status,
            "organisation_id": organisation_id,
        },
    )


def update_team(session: Session, team: Team, patch: TeamUpdate) -> Team:
    """Change a team; take it with get_team_for_change, so status and external ref checks run
    under the rule lock."""
    changes = patch.model_dump(exclude_unset=True)
    if "external_refs" in changes:
        del changes["external_refs"]
        team.external_refs = _external_refs(
            session, team.collaborative_id, team, patch.external_refs or []
        )
        # Like the organisations: the ref rows change, not the team's, yet the ETag must move.
        team.updated_at = utc_now()
    if "coach_id" in changes:
        _check_coach(session, changes["coach_id"])
    if "name" in changes:
        _ensure_name_free(session, team.collaborative_id, changes["name"], team)
    if "organisation_ids" in changes:
        team.organisations = find_organisations(session, changes.pop("organisation_ids"))
        # A link-table change alone does not touch the row; bump it so the ETag moves.
        team.updated_at = utc_now()
    new_status = changes.get("status", team.status)
    if new_status != team.status:
        _check_transition(team, new_status)
        collaborative = collaboratives_service.get_collaborative(session, team.collaborative_id)
        _check_collaborative_allows(collaborative, new_status)
        if new_status in PLACE_TAKING_STATUSES and team.status not in PLACE_TAKING_STATUSES:
            _check_can_take_place(session, team, collaborative)
    apply_changes(team, changes)
    session.flush()
    return team


def delete_team(session: Session, team: Team) -> None:
    delete_unless_referenced(
        session,
        team,
        "The team has members, measures or data (imported data too); set its status to"
        " withdrawn instead.",
    )
