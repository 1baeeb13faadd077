"""Equality profiles: who may see one, reading, changing and withdrawing it, the lead rule of a
page of teams, and the disclosure-controlled summary of a collaborative. No FastAPI here.

A profile's values never leave this module except to the person themself or an admin: not in
audit events (the subject is the member id), not in errors, not in logs.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth.principal import Principal
from app.characteristics import (
    CODES,
    NOT_DECLARED,
    Characteristic,
    in_under_represented_group,
)
from app.clock import today
from app.collaboratives.models import Collaborative
from app.collaboratives.statuses import PLACE_TAKING_STATUSES
from app.disclosure import Cell, protect_counts
from app.equality.models import CHARACTERISTIC_COLUMNS, EqualityProfile
from app.equality.schemas import (
    CharacteristicTable,
    CountCell,
    EqualityProfileWrite,
    EqualitySummary,
    PopulationSummary,
    SummaryCell,
)
from app.errors import NotFound
from app.members.models import Member
from app.memberships.models import Membership, MembershipRole
from app.teams.models import Team

PROFILE_READ = AuditAction.EQUALITY_PROFILE_READ
PROFILE_CHANGED = AuditAction.EQUALITY_PROFILE_CHANGED
SUMMARY_EXPORTED = AuditAction.EQUALITY_SUMMARY_EXPORTED

Answers = dict[Characteristic, str | None]


# Anyone but the person and admins gets this one answer, whether or not the member or their
# profile exists, so a 404 tells them nothing about either.
OUT_OF_REACH = (
    "Not found: an equality profile is shown only to the person themself and to programme"
    " leads (admins)."
)


def _is_the_person(principal: Principal, member_id: uuid.UUID) -> bool:
    return principal.role is not None and principal.member_id == member_id


def ensure_may_see(
    principal: Principal, member_id: uuid.UUID, trail: AuditTrail, *, action: AuditAction
) -> None:
    """Admins, and the person themself; anyone else gets 404, as if there were none."""
    if principal.is_admin or _is_the_person(principal, member_id):
        return
    trail.record(action, "denied", subject=str(member_id), reason="not the member or an admin")
    raise NotFound(OUT_OF_REACH)


def _no_member(member_id: uuid.UUID) -> NotFound:
    return NotFound(f"There is no member {member_id}.")


def _not_saved(session: Session, principal: Principal, member_id: uuid.UUID) -> NotFound:
    """The truth, for a caller who may see the profile: it was never saved (or was withdrawn),
    or, for an admin, there is no such member."""
    if _is_the_person(principal, member_id):
        return NotFound(
            "You have not saved an equality profile yet; create one with PUT or PATCH,"
            " without If-Match."
        )
    if session.get(Member, member_id) is None:
        return _no_member(member_id)
    return NotFound(f"Member {member_id} has not saved an equality profile.")


def get_profile(session: Session, member_id: uuid.UUID) -> EqualityProfile | None:
    return session.get(EqualityProfile, member_id)


def _saved(
    session: Session,
    principal: Principal,
    member_id: uuid.UUID,
    trail: AuditTrail,
    action: AuditAction,
) -> EqualityProfile:
    profile = get_profile(session, member_id)
    if profile is None:
        trail.record(action, "failure", subject=str(member_id), reason="no profile")
        raise _not_saved(session, principal, member_id)
    return profile


def read_profile(
    session: Session, principal: Principal, member_id: uuid.UUID, trail: AuditTrail
) -> EqualityProfile:
    profile = _saved(session, principal, member_id, trail, PROFILE_READ)
    trail.record(PROFILE_READ, "success", subject=str(member_id))
    return profile


def profile_to_withdraw(
    session: Session, principal: Principal, member_id: uuid.UUID, trail: AuditTrail
) -> EqualityProfile:
    return _saved(session, principal, member_id, trail, PROFILE_CHANGED)


def create_profile(
    session: Session, member_id: uuid.UUID, data: EqualityProfileWrite, trail: AuditTrail
) -> EqualityProfile:
    """A new profile: the fields sent, every other one unanswered."""
    if session.get(Member, member_id) is None:
        trail.record(PROFILE_CHANGED, "failure", subject=str(member_id), reason="no such member")
        raise _no_member(member_id)
    profile = EqualityProfile(member_id=member_id, **data.model_dump())
    session.add(profile)
    session.flush()
    trail.record(PROFILE_CHANGED, "success", subject=str(member_id), reason="created")
    return profile


def replace_profile(
    session: Session, profile: EqualityProfile, data: EqualityProfileWrite, trail: AuditTrail
) -> EqualityProfile:
    """Every field is replaced: one left out of the body is no longer answered."""
    for characteristic, value in data.model_dump().items():
        setattr(profile, characteristic, value)
    session.flush()
    trail.record(PROFILE_CHANGED, "success", subject=str(profile.member_id), reason="replaced")
    return profile


def update_profile(
    session: Session, profile: EqualityProfile, data: EqualityProfileWrite, trail: AuditTrail
) -> EqualityProfile:
    """Only the fields sent change; null clears an answer, a field left out keeps its own."""
    for characteristic, value in data.model_dump(exclude_unset=True).items():
        setattr(profile, characteristic, value)
    session.flush()
    trail.record(PROFILE_CHANGED, "success", subject=str(profile.member_id), reason="updated")
    return profile


def withdraw_profile(session: Session, profile: EqualityProfile, trail: AuditTrail) -> None:
    """The person's answers are removed for good: from their team's lead rule and every
    summary from now on."""
    member_id = profile.member_id
    session.delete(profile)
    session.flush()
    trail.record(PROFILE_CHANGED, "success", subject=str(member_id), reason="deleted")


def delete_profile(session: Session, member_id: uuid.UUID) -> None:
    """Remove the member's profile, if any (erasure, or the member being removed)."""
    profile = get_profile(session, member_id)
    if profile is not None:
        session.delete(profile)
        session.flush()


def _answers(row: Iterable[str | None]) -> Answers:
    return dict(zip(Characteristic, row, strict=True))


def _may_see_verdicts(principal: Principal) -> bool:
    return principal.is_admin or (principal.role is not None and principal.member_id is not None)


# Built once: the page of teams and the day are bound per call. Building this statement (one
# column per characteristic) cost as much as running it.
_LEADS_OF_TEAMS = (
    select(
        Membership.team_id,
        Membership.member_id,
        Collaborative.under_represented,
        *CHARACTERISTIC_COLUMNS,
    )
    .join(Team, Team.id == Membership.team_id)
    .join(Collaborative, Collaborative.id == Team.collaborative_id)
    # Leads without a profile too: they may see their own team's (unknown) verdict.
    .outerjoin(EqualityProfile, EqualityProfile.member_id == Membership.member_id)
    .where(
        Membership.team_id.in_(bindparam("team_ids", expanding=True)),
        Membership.role == MembershipRole.LEAD,
        Membership.is_current_clause(on=bindparam("today")),
    )
)


def lead_criteria(
    session: Session, principal: Principal, team_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, bool | None]:
    """The lead rule verdict of each team whose verdict the caller may see: whether its
    current lead is in a group its collaborative names as under-represented: True, False, or
    None (unknown: no lead, no profile, no answer, or no characteristic named).

    A verdict tells of a named person's protected characteristic, so only admins (the
    selection panel) and the team's current lead themself see it; every other team is left
    out. One query for the whole page of teams; only the verdict leaves this module.
    """
    wanted = list(dict.fromkeys(team_ids))
    if not wanted or not _may_see_verdicts(principal):
        return {}
    verdicts: dict[uuid.UUID, bool | None] = dict.fromkeys(wanted)
    leads: dict[uuid.UUID, set[uuid.UUID]] = {team_id: set() for team_id in wanted}
    rows = session.execute(_LEADS_OF_TEAMS, {"team_ids": wanted, "today": today()})
    for team_id, lead_id, listed, *values in rows:
        leads[team_id].add(lead_id)
        verdict = in_under_represented_group(_answers(values), list(listed or []))
        # With two current leads (the membership rules allow one), either one meets the rule.
        if verdict is True or (verdict is False and verdicts[team_id] is None):
            verdicts[team_id] = verdict
    if principal.is_admin:
        return verdicts
    # A lead sees the verdict only when it is about them alone.
    return {
        team_id: verdict
        for team_id, verdict in verdicts.items()
        if leads[team_id] == {principal.member_id}
    }


def lead_verdicts(
    session: Session, member_ids: Iterable[uuid.UUID], listed: list[str]
) -> dict[uuid.UUID, bool | None]:
    """The lead rule verdict for each of these people as a proposed lead (an application's):
    True, False or None (unknown), by the characteristics `listed`. For the service's own
    decisions (the selection); what a caller is shown goes through `proposed_lead_criteria`."""
    wanted = list(dict.fromkeys(member_ids))
    verdicts: dict[uuid.UUID, bool | None] = dict.fromkeys(wanted)
    if not wanted:
        return verdicts
    rows = session.execute(
        select(EqualityProfile.member_id, *CHARACTERISTIC_COLUMNS).where(
            EqualityProfile.member_id.in_(wanted)
        )
    )
    for member_id, *values in rows:
        verdicts[member_id] = in_under_represented_group(_answers(values), listed)
    return verdicts


def proposed_lead_criteria(
    session: Session,
    principal: Principal,
    leads: dict[uuid.UUID, uuid.UUID],
    listed: list[str],
) -> dict[uuid.UUID, bool | None]:
    """`leads` maps each application (or anything a lead is proposed for) to its proposed
    lead; the verdicts the caller may see, as `lead_criteria` shows a team's: every one to an
    admin, a person's own to them, none to anyone else."""
    if not _may_see_verdicts(principal):
        return {}
    shown = {
        key: lead
        for key, lead in leads.items()
        if principal.is_admin or lead == principal.member_id
    }
    verdicts = lead_verdicts(session, shown.values(), listed)
    return {key: verdicts[lead] for key, lead in shown.items()}


def population_summary(people: dict[uuid.UUID, Answers], threshold: int) -> PopulationSummary:
    tables: list[CharacteristicTable] = []
    totals: list[Cell] = []
    for characteristic in Characteristic:
        categories = [*CODES[characteristic], NOT_DECLARED]
        counts = dict.fromkeys(categories, 0)
        for answers in people.values():
            counts[answers.get(characteristic) or NOT_DECLARED] += 1
        cells, total = protect_counts(counts, threshold=threshold)
        totals.append(total)
        tables.append(
            CharacteristicTable(
                characteristic=characteristic,
                cells=[
                    SummaryCell(
                        category=category,
                        count=cells[category].count,
                        suppressed=cells[category].suppressed,
                    )
                    for category in categories
                ],
            )
        )
    # Every table has the same total. A table may suppress it to protect its cells, so it is
    # published only if every table publishes it; otherwise one table would give it away.
    if all(not total.suppressed for total in totals):
        published = CountCell(count=totals[0].count, suppressed=False)
    else:
        published = CountCell(count=None, suppressed=True)
    return PopulationSummary(total=published, characteristics=tables)


def equality_summary(
    session: Session, collaborative: Collaborative, *, threshold: int
) -> EqualitySummary:
    """Current members and current leads of the collaborative's selected, active and completed
    teams, by characteristic, every count through `app.disclosure` (one query)."""
    rows = session.execute(
        select(Membership.member_id, Membership.role, *CHARACTERISTIC_COLUMNS)
        .join(Team, Team.id == Membership.team_id)
        .outerjoin(EqualityProfile, EqualityProfile.member_id == Membership.member_id)
        .where(
            Team.collaborative_id == collaborative.id,
            Team.status.in_(PLACE_TAKING_STATUSES),
            Membership.is_current_clause(),
        )
    )
    members: dict[uuid.UUID, Answers] = {}
    leads: dict[uuid.UUID, Answers] = {}
    # A person in two teams of the collaborative is counted once.
    for member_id, role, *values in rows:
        answers = _answers(values)
        members[member_id] = answers
        if role == MembershipRole.LEAD:
            leads[member_id] = answers
    return EqualitySummary(
        collaborative_id=collaborative.id,
        threshold=threshold,
        members=population_summary(members, threshold),
        leads=population_summary(leads, threshold),
    )
