"""HTTP endpoints for applications, the panel's reviews and the selection (workflow spec 1)."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import MISSING
from sqlalchemy.orm import Session

from app.applications import selection as selection_service
from app.applications import service
from app.applications.models import Application, ApplicationStatus
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationUpdate,
    ReviewRead,
    ReviewWrite,
    SelectionCreate,
    SelectionRead,
)
from app.audit.actions import AuditAction
from app.auth.dependencies import IDEMPOTENT, Administrator, Applicant, PanelMember
from app.auth.principal import Principal
from app.clock import today
from app.collaboratives import service as collaboratives_service
from app.equality import service as equality_service
from app.errors import PreconditionFailed
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE, guarded
from app.http.responses import created, with_etag
from app.pagination import DEFAULT_LIMIT
from app.schemas import Page
from app.teams.schemas import TeamRead

router = APIRouter(tags=["applications"])
ONE = "/applications/{application_id}"


def _as_read(
    session: Session, applications: Sequence[Application], principal: Principal
) -> list[ApplicationRead]:
    """The applications as the caller may see them: the lead rule verdict for admins and the
    proposed lead only, the override reason for admins only."""
    reads = []
    by_collaborative: dict[uuid.UUID, list[str]] = {}
    for application in applications:
        if application.collaborative_id not in by_collaborative:
            collaborative = collaboratives_service.get_collaborative(
                session, application.collaborative_id
            )
            by_collaborative[collaborative.id] = list(collaborative.under_represented)
    verdicts: dict[uuid.UUID, bool | None] = {}
    for collaborative_id, listed in by_collaborative.items():
        leads = {
            a.id: a.lead_id
            for a in applications
            if a.collaborative_id == collaborative_id and a.lead_id is not None
        }
        verdicts |= equality_service.proposed_lead_criteria(session, principal, leads, listed)
    for application in applications:
        read = ApplicationRead.model_validate(application)
        update: dict[str, object] = {}
        if application.id in verdicts:
            update["lead_criterion_met"] = verdicts[application.id]
        # Read from the row like every field: left out again for anyone but an admin.
        update["override_reason"] = application.override_reason if principal.is_admin else MISSING
        reads.append(read.model_copy(update=update))
    return reads


@router.get(
    "/collaboratives/{collaborative_id}/applications",
    summary="List a collaborative's applications",
    response_model=Page[ApplicationRead],
    responses={**LIST, **guarded(404)},
)
def list_applications(
    collaborative_id: uuid.UUID,
    session: SessionDep,
    principal: Applicant,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    status: ApplicationStatus | None = None,
    order: Annotated[
        Literal["submitted", "score"],
        Query(
            description="`submitted`: in the order they came; `score`: best score first,"
            " unreviewed ones last."
        ),
    ] = "submitted",
) -> Page[ApplicationRead]:
    """The panel (admins and coaches) sees every application; anyone else those they
    submitted or lead."""
    items, next_cursor = service.list_applications(
        session,
        collaborative_id,
        principal,
        limit=limit,
        cursor=cursor,
        status=status,
        by_score=order == "score",
    )
    return Page[ApplicationRead](items=_as_read(session, items, principal), next_cursor=next_cursor)


@router.post(
    "/collaboratives/{collaborative_id}/applications",
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Apply to join a collaborative",
    response_model=ApplicationRead,
    responses=CREATE,
)
def create_application(
    collaborative_id: uuid.UUID,
    body: ApplicationCreate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Applicant,
) -> ApplicationRead:
    """A proposed team, `submitted`. Anyone signed in applies naming themself as the lead;
    admins on anyone's behalf. After the collaborative's `applications_close_on` it is 409
    `applications-closed`; more members than its `max_team_size` is 422."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    application = service.create_application(session, collaborative_id, body, principal, on=today())
    audit_trail(request).record(
        AuditAction.APPLICATION_SUBMITTED, "success", subject=str(application.id)
    )
    created(response, f"/api/v1/applications/{application.id}", application)
    return _as_read(session, [application], principal)[0]


@router.get(ONE, summary="Get an application", response_model=ApplicationRead, responses=READ_ONE)
def get_application(
    application_id: uuid.UUID, session: SessionDep, response: Response, principal: Applicant
) -> ApplicationRead:
    """An application the caller may see (404 otherwise), with its ETag."""
    application = service.get_application(session, application_id, principal)
    with_etag(response, application)
    return _as_read(session, [application], principal)[0]


@router.patch(
    ONE,
    summary="Change or withdraw an application",
    response_model=ApplicationRead,
    responses=UPDATE,
)
def update_application(
    application_id: uuid.UUID,
    body: ApplicationUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: Applicant,
    if_match: IfMatch = None,
) -> ApplicationRead:
    """Changes the fields sent, only while `submitted` (409 `application-status`); send
    `{"status": "withdrawn"}` to withdraw it. For its submitter, its proposed lead and admins."""
    application = service.get_application_for_change(session, application_id, principal)
    require_current(application, if_match)
    service.update_application(session, application, body, principal)
    action = (
        AuditAction.APPLICATION_WITHDRAWN
        if body.status == ApplicationStatus.WITHDRAWN
        else AuditAction.APPLICATION_CHANGED
    )
    audit_trail(request).record(action, "success", subject=str(application.id))
    with_etag(response, application)
    return _as_read(session, [application], principal)[0]


@router.delete(ONE, status_code=204, summary="Remove an application", responses=DELETE)
def delete_application(
    application_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    principal: Applicant,
    if_match: IfMatch = None,
) -> None:
    """Removes an application with its reviews; one that became a team is kept (409)."""
    application = service.get_application_for_change(session, application_id, principal)
    require_current(application, if_match)
    service.delete_application(session, application)
    audit_trail(request).record(
        AuditAction.APPLICATION_DELETED, "success", subject=str(application_id)
    )


@router.get(
    f"{ONE}/reviews",
    summary="List an application's reviews",
    response_model=list[ReviewRead],
    responses=READ_ONE,
)
def list_reviews(
    application_id: uuid.UUID, session: SessionDep, principal: PanelMember
) -> list[ReviewRead]:
    """The panel's reviews, oldest first (the panel only)."""
    application = service.get_application(session, application_id, principal)
    return [
        ReviewRead.model_validate(review) for review in service.list_reviews(session, application)
    ]


@router.put(
    f"{ONE}/reviews",
    summary="Write your review of an application",
    response_model=ReviewRead,
    responses={**UPDATE, 201: {"description": "The caller's first review of it."}},
)
def write_review(
    application_id: uuid.UUID,
    body: ReviewWrite,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: PanelMember,
    if_match: IfMatch = None,
) -> ReviewRead:
    """The caller's own review (admins and coaches): every criterion of the collaborative
    scored 1 to 5. The first is written without If-Match (201); a second PUT replaces it with
    If-Match naming the ETag the first answered (200). Not for an application from the
    reviewer's own organisation (409 `own-organisation`)."""
    application, review = service.get_for_review(session, application_id, principal)
    if review is None:
        if if_match is not None:
            raise PreconditionFailed("You have not reviewed it yet; write it without If-Match.")
        response.status_code = 201
    else:
        require_current(review, if_match)
    review = service.write_review(session, application, review, principal, body)
    audit_trail(request).record(
        AuditAction.APPLICATION_REVIEWED, "success", subject=str(application.id)
    )
    with_etag(response, review)
    return ReviewRead.model_validate(review)


@router.post(
    "/collaboratives/{collaborative_id}/selection",
    dependencies=[IDEMPOTENT],
    summary="Select the teams",
    response_model=SelectionRead,
    responses=CREATE,
)
def select_teams(
    collaborative_id: uuid.UUID,
    body: SelectionCreate,
    session: SessionDep,
    request: Request,
    principal: Administrator,
) -> SelectionRead:
    """The panel's decision in one step (admins): every application in `selected` becomes a
    `selected` team with its members, and with `decline_others` every other submitted
    application is declined. All or nothing: at most `max_teams` places with the teams
    already placed (409 `collaborative-full`), each selected application's lead meeting the
    lead rule unless `override_reasons` gives why (409 `lead-criterion-not-met`), only
    submitted or declined applications (409 `application-status`), after
    `applications_close_on` and before `ends_on`. A refusal names the application and the
    rule, and changes nothing."""
    collaboratives_service.get_collaborative(session, collaborative_id)
    chosen = selection_service.select_applications(
        session, collaborative_id, body, audit_trail(request), on=today()
    )
    verdicts = equality_service.lead_criteria(session, principal, [t.id for t in chosen.teams])
    return SelectionRead(
        teams=[
            TeamRead.model_validate(team).model_copy(
                update={"lead_criterion_met": verdicts.get(team.id)}
            )
            for team in chosen.teams
        ],
        declined=chosen.declined,
    )
