"""Equality profiles: who may see one, reading and replacing it, the lead rule of a page of
teams, and the disclosure-controlled summary of a collaborative. No FastAPI here.

A profile's values never leave this module except to the person themself or an admin: not in
audit events (the subject is the member id), not in errors, not in logs.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.auth.principal import Principal
from app.collaboratives.models import Collaborative
from app.disclosure import Cell, protect_counts
from app.equality.codes import (
    CODES,
    NOT_DECLARED,
    Characteristic,
    in_under_represented_group,
)
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
from app.teams.models import PLACE_TAKING_STATUSES, Team

PROFILE_READ = AuditAction.EQUALITY_PROFILE_READ
PROFILE_CHANGED = AuditAction.EQUALITY_PROFILE_CHANGED
SUMMARY_EXPORTED = AuditAction.EQUALITY_SUMMARY_EXPORTED

Answers = dict[Characteristic, str | None]


def _absent(member_id: uuid.UUID) -> NotFound:
    # One message for "no such member", "no profile yet" and "not yours to see", so a 404
    # never tells anyone whether a profile exists.
    return NotFound(f"No equality profile for member {member_id}.")


def ensure_may_see(
    principal: Principal, member_id: uuid.UUID, trail: AuditTrail, *, action: AuditAction
) -> None:
    """Admins, and the person themself; anyone else gets 404, as if there were none."""
    if principal.is_admin or (principal.role is not None and principal.member_id == member_id):
        return
    trail.record(action, "denied", subject=str(member_id), reason="not the member or an admin")
    raise _absent(member_id)


def get_profile(session: Session, member_id: uuid.UUID) -> EqualityProfile | None:
    return session.get(EqualityProfile, member_id)


def read_profile(session: Session, member_id: uuid.UUID, trail: AuditTrail) -> EqualityProfile:
    profile = get_profile(session, member_id)
    if profile is None:
        trail.record(PROFILE_READ, "failure", subject=str(member_id), reason="no profile")
        raise _absent(member_id)
    trail.record(PROFILE_READ, "success", subject=str(member_id))
    return profile


def create_profile(
    session: Session, member_id: uuid.UUID, data: EqualityProfileWrite, trail: AuditTrail
) -> EqualityProfile:
    if session.get(Member, member_id) is None:
        trail.record(PROFILE_CHANGED, "failure", subject=str(member_id), reason="no such member")
        raise _absent(member_id)
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


def delete_profile(session: Session, member_id: uuid.UUID) -> None:
    """Remove the member's profile, if any (erasure, or the member being removed)."""
    profile = get_profile(session, member_id)
    if profile is not None:
        session.delete(profile)
        session.flush()


def _answers(row: Iterable[str | None]) -> Answers:
    return dict(zip(Characteristic, row, strict=True))


def lead_criteria(session: Session, team_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bool | None]:
    """Whether each team's current lead is in a group its collaborative names as
    under-represented: True, False, or None (unknown: no lead, no profile, no answer, or
    no characteristic named). One query for the whole page of teams; only the verdict leaves.
    """
    wanted = list(dict.fromkeys(team_ids))
    verdicts: dict[uuid.UUID, bool | None] = dict.fromkeys(wanted)
    if not wanted:
        return verdicts
    rows = session.execute(
        select(Membership.team_id, Collaborative.under_represented, *CHARACTERISTIC_COLUMNS)
        .join(Team, Team.id == Membership.team_id)
        .join(Collaborative, Collaborative.id == Team.collaborative_id)
        .join(EqualityProfile, EqualityProfile.member_id == Membership.member_id)
        .where(
            Membership.team_id.in_(wanted),
            Membership.role == MembershipRole.LEAD,
            Membership.is_current_clause(),
        )
    )
    for team_id, listed, *values in rows:
        verdict = in_under_represented_group(_answers(values), list(listed or []))
        # With two current leads (a handover booked ahead), either one meets the rule.
        if verdict is True or (verdict is False and verdicts[team_id] is None):
            verdicts[team_id] = verdict
    return verdicts


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
