"""Submitting, finding, changing and withdrawing applications, and the panel's reviews.

Every change to an application takes its collaborative's rule lock first (as team and
membership changes do), so the selection, which takes it too, sees each application either
before or after a change, never half-way (workflow spec 1)."""

import uuid
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from app.applications.models import (
    UNSCORED,
    Application,
    ApplicationMember,
    ApplicationReview,
    ApplicationStatus,
)
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    ProposedMember,
    ReviewWrite,
)
from app.auth.models import Role
from app.auth.principal import Principal
from app.collaboratives import service as collaboratives_service
from app.collaboratives.models import Collaborative
from app.db import apply_changes, lock, utc_now
from app.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from app.members.models import Member
from app.memberships.models import MembershipRole
from app.pagination import paginate
from app.teams import service as teams_service

PANEL = frozenset({Role.ADMIN, Role.COACH})


def is_panel(principal: Principal) -> bool:
    """Admins and coaches: they see every application and review them."""
    return principal.role in PANEL


def visible_condition(principal: Principal) -> ColumnElement[bool] | None:
    """The applications a caller sees: all for the panel; a person those they submitted or
    lead; a machine client none. None means all."""
    if is_panel(principal):
        return None
    if principal.role is None:
        return false()
    led = select(ApplicationMember.application_id).where(
        ApplicationMember.member_id == principal.member_id,
        ApplicationMember.role == MembershipRole.LEAD,
    )
    mine = Application.submitted_by == principal.actor
    return or_(mine, Application.id.in_(led)) if principal.member_id is not None else mine


def _check_members(
    session: Session, collaborative: Collaborative, members: list[ProposedMember]
) -> list[ApplicationMember]:
    """The proposed people as rows: at most `max_team_size`, each a known member (422)."""
    if len(members) > collaborative.max_team_size:
        raise InvalidInput.at(
            ("body", "members"),
            f"at most {collaborative.max_team_size} members (the collaborative's"
            f" max_team_size); {len(members)} given",
        )
    ids = [member.member_id for member in members]
    known = set(session.scalars(select(Member.id).where(Member.id.in_(ids))))
    for index, member in enumerate(members):
        if member.member_id not in known:
            raise InvalidInput.at(
                ("body", "members", index, "member_id"), f"No member with id {member.member_id}."
            )
    return [
        ApplicationMember(member_id=member.member_id, role=member.role, position=index)
        for index, member in enumerate(members)
    ]


def _check_own_lead(principal: Principal, members: list[ProposedMember]) -> None:
    """Anyone but an admin applies as the proposed lead."""
    if principal.is_admin:
        return
    lead = next(member.member_id for member in members if member.role == MembershipRole.LEAD)
    if principal.member_id is None or lead != principal.member_id:
        raise Forbidden(
            "An application names its submitter as the lead (`members` with role `lead`);"
            " only admins submit on someone else's behalf."
        )


def _check_open(collaborative: Collaborative, on: date) -> None:
    closes = collaborative.applications_close_on
    if closes is not None and on > closes:
        raise Conflict(
            f"Applications to this collaborative closed on {closes}.", slug="applications-closed"
        )


def create_application(
    session: Session,
    collaborative_id: uuid.UUID,
    data: ApplicationCreate,
    principal: Principal,
    *,
    on: date,
) -> Application:
    """A new `submitted` application, `on` the day given (London)."""
    _check_own_lead(principal, data.members)
    collaborative = collaboratives_service.lock_rules(session, collaborative_id)
    _check_open(collaborative, on)
    application = Application(
        collaborative_id=collaborative.id,
        submitted_by=principal.actor,
        **data.model_dump(exclude={"organisation_ids", "members", "sponsor"}),
        **_sponsor(data.sponsor.model_dump()),
    )
    application.organisations = teams_service.find_organisations(session, data.organisation_ids)
    application.members = _check_members(session, collaborative, data.members)
    session.add(application)
    session.flush()
    return application


def _sponsor(sponsor: dict[str, Any]) -> dict[str, Any]:
    return {f"sponsor_{name}": value for name, value in sponsor.items()}


def get_application(
    session: Session, application_id: uuid.UUID, principal: Principal
) -> Application:
    """The application, or 404 when it does not exist or the caller may not see it."""
    statement = select(Application).where(Application.id == application_id)
    condition = visible_condition(principal)
    if condition is not None:
        statement = statement.where(condition)
    application = session.scalar(statement)
    if application is None:
        raise NotFound.of("application", application_id)
    return application


def get_application_for_change(
    session: Session, application_id: uuid.UUID, principal: Principal
) -> Application:
    """The application, read afresh under its collaborative's rule lock; check If-Match after
    this. Changing it is for its submitter, its proposed lead and admins (403 for the rest of
    the panel, who only review)."""
    application = get_application(session, application_id, principal)
    collaboratives_service.lock_rules(session, application.collaborative_id)
    application = lock(session, Application, application.id)
    if not (
        principal.is_admin
        or application.submitted_by == principal.actor
        or (principal.member_id is not None and application.lead_id == principal.member_id)
    ):
        raise Forbidden("Only the applicant, the proposed lead or an admin changes an application.")
    return application


def _check_submitted(application: Application, doing: str) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            f"The application is `{application.status}`; it can be {doing} only while `submitted`.",
            slug="application-status",
        )


def update_application(
    session: Session, application: Application, patch: ApplicationUpdate, principal: Principal
) -> Application:
    """Changes the fields sent, only while `submitted`; `status: withdrawn` withdraws it."""
    _check_submitted(application, "changed")
    changes = patch.model_dump(exclude_unset=True)
    collaborative = session.get_one(Collaborative, application.collaborative_id)
    if "members" in changes:
        members = patch.members or []
        _check_own_lead(principal, members)
        application.members = _check_members(session, collaborative, members)
        del changes["members"]
    if "organisation_ids" in changes:
        application.organisations = teams_service.find_organisations(
            session, changes.pop("organisation_ids")
        )
    if "sponsor" in changes:
        changes.update(_sponsor(changes.pop("sponsor")))
    apply_changes(application, changes)
    # A link-table change alone does not touch the row; bump it so the ETag moves.
    application.updated_at = utc_now()
    session.flush()
    return application


def delete_application(session: Session, application: Application) -> None:
    """Removes an application that has not become a team (a selected one is its record)."""
    if application.status == ApplicationStatus.SELECTED:
        raise Conflict(
            "The application became a team; it is kept as the team's record.",
            slug="application-status",
        )
    session.delete(application)
    session.flush()


def list_applications(
    session: Session,
    collaborative_id: uuid.UUID,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: ApplicationStatus | None = None,
    by_score: bool = False,
) -> tuple[list[Application], str | None]:
    """Applications in the order they came, or best score first (unreviewed last)."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    statement = select(Application).where(Application.collaborative_id == collaborative_id)
    condition = visible_condition(principal)
    if condition is not None:
        statement = statement.where(condition)
    if status is not None:
        statement = statement.where(Application.status == status)
    filters = {"collaborative_id": collaborative_id, "status": status, "order": by_score or None}
    if by_score:
        return paginate(
            session,
            statement,
            sort_key=Application.rank,
            id_key=Application.id,
            limit=limit,
            cursor=cursor,
            list_name="applications",
            filters=filters,
            descending=True,
        )
    return paginate(
        session,
        statement,
        sort_key=Application.created_at,
        id_key=Application.id,
        limit=limit,
        cursor=cursor,
        list_name="applications",
        filters=filters,
    )


# Reviews.


def weighted_score(
    criteria: list[dict[str, Any]], reviews: Iterable[dict[str, int]]
) -> Fraction | None:
    """The weighted mean, by the criteria's weights, of each criterion's mean score over the
    reviews; a criterion nobody scored (added after the reviews) is left out. Exact."""
    scores = list(reviews)
    total = Fraction(0)
    weights = Fraction(0)
    for criterion in criteria:
        given = [review[criterion["code"]] for review in scores if criterion["code"] in review]
        if not given:
            continue
        weight = Fraction(criterion["weight"])
        total += weight * Fraction(sum(given), len(given))
        weights += weight
    return total / weights if weights else None


def _apply_score(application: Application, score: Fraction | None, reviews: int) -> None:
    application.score = None if score is None else float(score)
    application.rank = UNSCORED if score is None else float(score)
    application.reviews_count = reviews


def rescore(session: Session, application: Application, criteria: list[dict[str, Any]]) -> None:
    """Keeps `score`, `reviews_count` and `rank` true to the stored reviews."""
    reviews = list(
        session.scalars(
            select(ApplicationReview.scores).where(
                ApplicationReview.application_id == application.id
            )
        )
    )
    _apply_score(application, weighted_score(criteria, reviews), len(reviews))


def rescore_collaborative(session: Session, collaborative: Collaborative) -> None:
    """Every application's score again, after the collaborative's criteria changed (two
    queries: the applications, and all their reviews)."""
    applications = list(
        session.scalars(select(Application).where(Application.collaborative_id == collaborative.id))
    )
    reviews: dict[uuid.UUID, list[dict[str, int]]] = {a.id: [] for a in applications}
    for application_id, scores in session.execute(
        select(ApplicationReview.application_id, ApplicationReview.scores).where(
            ApplicationReview.application_id.in_(list(reviews))
        )
    ):
        reviews[application_id].append(scores)
    for application in applications:
        given = reviews[application.id]
        score = weighted_score(collaborative.selection_criteria, given)
        _apply_score(application, score, len(given))
    session.flush()


def _check_scores(collaborative: Collaborative, scores: dict[str, int]) -> None:
    codes = [criterion["code"] for criterion in collaborative.selection_criteria]
    if not codes:
        raise Conflict(
            "The collaborative has no selection_criteria to score; an admin sets them first.",
            slug="no-selection-criteria",
        )
    problems = [
        FieldProblem(("body", "scores", code), "not a criterion of the collaborative")
        for code in scores
        if code not in codes
    ] + [
        FieldProblem(("body", "scores", code), "every criterion must be scored")
        for code in codes
        if code not in scores
    ]
    if problems:
        raise InvalidInput(problems[0].message, problems)


def _check_reviewer(session: Session, application: Application, principal: Principal) -> None:
    """A reviewer does not review an application from their own organisation."""
    if principal.member_id is None:
        return
    member = session.get(Member, principal.member_id)
    if member is not None and member.organisation_id in application.organisation_ids:
        raise Conflict(
            "The application comes from your own organisation; another panel member reviews it.",
            slug="own-organisation",
        )


def get_for_review(
    session: Session, application_id: uuid.UUID, principal: Principal
) -> tuple[Application, ApplicationReview | None]:
    """The application, locked under its collaborative's rule lock, and the caller's review of
    it so far (None before their first): check If-Match on the review after this."""
    application = get_application(session, application_id, principal)
    collaboratives_service.lock_rules(session, application.collaborative_id)
    application = lock(session, Application, application.id)
    review = session.scalar(
        select(ApplicationReview).where(
            ApplicationReview.application_id == application.id,
            ApplicationReview.reviewer == principal.actor,
        )
    )
    return application, review


def write_review(
    session: Session,
    application: Application,
    review: ApplicationReview | None,
    principal: Principal,
    data: ReviewWrite,
) -> ApplicationReview:
    """The caller's review of the application (taken with `get_for_review`), created when
    `review` is None or replaced; the application's score follows."""
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.DECLINED):
        raise Conflict(
            f"The application is `{application.status}`; only submitted or declined ones are"
            " reviewed.",
            slug="application-status",
        )
    _check_reviewer(session, application, principal)
    collaborative = session.get_one(Collaborative, application.collaborative_id)
    _check_scores(collaborative, data.scores)
    if review is None:
        review = ApplicationReview(application_id=application.id, reviewer=principal.actor)
        session.add(review)
    review.scores = dict(data.scores)
    review.comment = data.comment
    session.flush()
    rescore(session, application, collaborative.selection_criteria)
    session.flush()
    return review


def list_reviews(session: Session, application: Application) -> list[ApplicationReview]:
    return list(
        session.scalars(
            select(ApplicationReview)
            .where(ApplicationReview.application_id == application.id)
            .order_by(ApplicationReview.created_at, ApplicationReview.id)
        )
    )
