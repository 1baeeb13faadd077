"""The panel's selection (workflow spec 1): all or nothing, under the collaborative's rule lock.

Every rule is checked before anything changes: the dates, each named application (of this
collaborative, submitted or declined), the places, the lead rule (or an override with its
reason), the team names and sizes. Then each selected application becomes a `selected` team
with its memberships, and the others may be declined. The lock is the one team, membership
and application changes take first, so a parallel withdrawal, a change of the proposed lead or
another selection runs wholly before or after this one."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.applications.models import Application, ApplicationStatus
from app.applications.schemas import SelectionCreate
from app.audit.actions import AuditAction
from app.audit.service import AuditTrail
from app.collaboratives import service as collaboratives_service
from app.collaboratives.models import Collaborative
from app.collaboratives.statuses import ALLOWED_IN, TeamStatus, names
from app.equality import service as equality_service
from app.errors import Conflict, FieldProblem, InvalidInput
from app.memberships.models import Membership
from app.teams import service as teams_service
from app.teams.models import Team

SELECTABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.DECLINED)


@dataclass(frozen=True)
class Selection:
    teams: list[Team]
    declined: list[uuid.UUID]


def _refuse(application: Application, index: int, slug: str, detail: str) -> Conflict:
    """A 409 naming the application (by its place in `selected`) and the rule it breaks."""
    return Conflict(
        f"Application {application.id} ({application.team_name}): {detail}",
        slug=slug,
        errors=[FieldProblem(("body", "selected", index), detail)],
    )


def _check_dates(collaborative: Collaborative, on: date) -> None:
    closes = collaborative.applications_close_on
    if closes is not None and on <= closes:
        raise Conflict(
            f"Applications close on {closes}; the panel selects after that.",
            slug="applications-open",
        )
    if on > collaborative.ends_on:
        raise Conflict(
            f"The collaborative ended on {collaborative.ends_on}.", slug="collaborative-ended"
        )
    if TeamStatus.SELECTED not in ALLOWED_IN[collaborative.status]:
        raise Conflict(
            f"The collaborative is `{collaborative.status}`; teams are selected only while it"
            f" is planning, recruiting or running.",
            slug="collaborative-status",
        )


def _named(
    session: Session, collaborative: Collaborative, data: SelectionCreate
) -> list[Application]:
    """The selected applications, in the order named (422 for an id that is not one of the
    collaborative's, or an override for an application not selected)."""
    found = {
        application.id: application
        for application in session.scalars(
            select(Application)
            .where(Application.id.in_(data.selected))
            .order_by(Application.id)
            .with_for_update()
        )
    }
    problems = [
        FieldProblem(("body", "selected", index), f"No application {ident} in this collaborative.")
        for index, ident in enumerate(data.selected)
        if ident not in found or found[ident].collaborative_id != collaborative.id
    ]
    problems += [
        FieldProblem(("body", "override_reasons", str(ident)), "not a selected application")
        for ident in data.override_reasons
        if ident not in data.selected
    ]
    if problems:
        raise InvalidInput(problems[0].message, problems)
    return [found[ident] for ident in data.selected]


def _check_each(
    session: Session,
    collaborative: Collaborative,
    applications: list[Application],
    overrides: dict[uuid.UUID, str],
) -> None:
    verdicts = equality_service.lead_verdicts(
        session,
        [a.lead_id for a in applications if a.lead_id is not None],
        list(collaborative.under_represented),
    )
    # Team names as the teams' unique key compares them (exactly): those the collaborative
    # has, then those this selection takes.
    names_taken = set(
        session.scalars(select(Team.name).where(Team.collaborative_id == collaborative.id))
    )
    for index, application in enumerate(applications):
        if application.status not in SELECTABLE:
            raise _refuse(
                application,
                index,
                "application-status",
                f"it is `{application.status}`; only {names(SELECTABLE)} applications are selected",
            )
        lead = application.lead_id
        if lead is None:
            raise _refuse(application, index, "team-lead-required", "it proposes no lead")
        if verdicts.get(lead) is not True and application.id not in overrides:
            raise _refuse(
                application,
                index,
                "lead-criterion-not-met",
                "its proposed lead does not meet the lead rule as far as the service knows;"
                " give override_reasons for it to select it all the same",
            )
        if len(application.members) > collaborative.max_team_size:
            raise _refuse(
                application,
                index,
                "team-full",
                f"it proposes {len(application.members)} members; the collaborative's"
                f" max_team_size is {collaborative.max_team_size}",
            )
        if application.team_name in names_taken:
            raise _refuse(
                application,
                index,
                "duplicate-team-name",
                "the collaborative has a team of its name",
            )
        names_taken.add(application.team_name)


def _team_of(application: Application) -> Team:
    return Team(
        collaborative_id=application.collaborative_id,
        name=application.team_name,
        aim=application.aim,
        service_area=application.service_area,
        status=TeamStatus.SELECTED,
        organisations=list(application.organisations),
    )


def select_applications(
    session: Session,
    collaborative_id: uuid.UUID,
    data: SelectionCreate,
    trail: AuditTrail,
    *,
    on: date,
) -> Selection:
    """The panel's decision made `on` this day (London): checks every rule, then creates the
    teams and memberships, or changes nothing (raising the first rule broken)."""
    collaborative = collaboratives_service.lock_rules(session, collaborative_id)
    _check_dates(collaborative, on)
    applications = _named(session, collaborative, data)
    taken = teams_service.count_place_taking_teams(session, collaborative.id)
    if taken + len(applications) > collaborative.max_teams:
        raise Conflict(
            f"The collaborative has {collaborative.max_teams} places and {taken} are taken;"
            f" {len(applications)} applications cannot be selected.",
            slug="collaborative-full",
        )
    _check_each(session, collaborative, applications, data.override_reasons)
    joined_on = max(on, collaborative.starts_on)
    teams = []
    for application in applications:
        team = _team_of(application)
        session.add(team)
        session.flush()
        for proposed in application.members:
            session.add(
                Membership(
                    team_id=team.id,
                    member_id=proposed.member_id,
                    role=proposed.role,
                    joined_on=joined_on,
                )
            )
        application.status = ApplicationStatus.SELECTED
        application.team_id = team.id
        reason = data.override_reasons.get(application.id)
        if reason is not None:
            application.override_reason = reason
            # The reason stays on the application: it may speak of the lead.
            trail.record(
                AuditAction.APPLICATION_LEAD_OVERRIDDEN, "success", subject=str(application.id)
            )
        trail.record(
            AuditAction.APPLICATION_SELECTED,
            "success",
            subject=str(application.id),
            reason=f"team {team.id}",
        )
        teams.append(team)
    declined = _decline_others(session, collaborative, data, trail) if data.decline_others else []
    collaborative.selected_on = on
    session.flush()
    return Selection(teams=teams, declined=declined)


def _decline_others(
    session: Session, collaborative: Collaborative, data: SelectionCreate, trail: AuditTrail
) -> list[uuid.UUID]:
    others = list(
        session.scalars(
            select(Application)
            .where(
                Application.collaborative_id == collaborative.id,
                Application.status == ApplicationStatus.SUBMITTED,
                Application.id.not_in(data.selected),
            )
            .order_by(Application.created_at, Application.id)
        )
    )
    for application in others:
        application.status = ApplicationStatus.DECLINED
        trail.record(AuditAction.APPLICATION_DECLINED, "success", subject=str(application.id))
    return [application.id for application in others]
