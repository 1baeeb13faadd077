"""HTTP endpoints for equality profiles (/members/{id}/equality-profile) and the
disclosure-controlled equality summary of a collaborative."""

import uuid

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.auth.dependencies import CAN_ADMINISTER, ProfileOwner
from app.auth.principal import Principal
from app.collaboratives import service as collaboratives_service
from app.equality import service
from app.equality.models import EqualityProfile
from app.equality.schemas import (
    EqualityProfilePatch,
    EqualityProfileRead,
    EqualityProfileWrite,
    EqualitySummary,
)
from app.errors import PreconditionFailed
from app.http.concurrency import require_current
from app.http.deps import IfMatch, SessionDep, SettingsDep, audit_trail
from app.http.problems import DELETE, READ_ONE, UPDATE
from app.http.responses import with_etag

router = APIRouter(tags=["equality"])


PROFILE_PATH = "/members/{member_id}/equality-profile"
SAVED = {201: {"model": EqualityProfileRead, "description": "The profile was created."}, **UPDATE}


@router.get(
    PROFILE_PATH,
    summary="Get a member's equality profile",
    response_model=EqualityProfileRead,
    responses=READ_ONE,
)
def get_equality_profile(
    member_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProfileOwner,
) -> EqualityProfile:
    """The person's own self-declared protected characteristics; only they and admins may
    read them, and every read is audited. Anyone else gets the same 404 whether or not the
    member or a profile exists; the person and admins get 404 until one is saved."""
    trail = audit_trail(request)
    service.ensure_may_see(principal, member_id, trail, action=service.PROFILE_READ)
    profile = service.read_profile(session, principal, member_id, trail)
    with_etag(response, profile)
    return profile


def _save(
    session: Session,
    request: Request,
    response: Response,
    principal: Principal,
    member_id: uuid.UUID,
    body: EqualityProfileWrite,
    if_match: str | None,
    *,
    replace: bool,
) -> EqualityProfile:
    """Create the profile (201, without If-Match), or change the one saved (If-Match): all
    its fields (PUT) or the ones sent (PATCH)."""
    trail = audit_trail(request)
    service.ensure_may_see(principal, member_id, trail, action=service.PROFILE_CHANGED)
    profile = service.get_profile(session, member_id)
    if profile is None:
        _new_profile_allowed(if_match)
        profile = service.create_profile(session, member_id, body, trail)
        response.status_code = 201
    else:
        require_current(profile, if_match)
        change = service.replace_profile if replace else service.update_profile
        change(session, profile, body, trail)
    with_etag(response, profile)
    return profile


def _new_profile_allowed(if_match: str | None) -> None:
    if if_match is not None:
        raise PreconditionFailed("There is no profile yet; create it without If-Match.")


@router.put(
    PROFILE_PATH,
    summary="Replace a member's equality profile",
    response_model=EqualityProfileRead,
    responses=SAVED,
)
def put_equality_profile(
    member_id: uuid.UUID,
    body: EqualityProfileWrite,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProfileOwner,
    if_match: IfMatch = None,
) -> EqualityProfile:
    """Creates the profile (201, without If-Match) or replaces it whole (200, If-Match
    required): a field left out is no longer answered; to change some answers and keep the
    rest, PATCH. Every field is optional and takes `prefer_not_to_say`. Only the person
    themself and admins; every change is audited."""
    return _save(session, request, response, principal, member_id, body, if_match, replace=True)


@router.patch(
    PROFILE_PATH,
    summary="Change some answers of a member's equality profile",
    response_model=EqualityProfileRead,
    responses=SAVED,
)
def patch_equality_profile(
    member_id: uuid.UUID,
    body: EqualityProfilePatch,
    session: SessionDep,
    request: Request,
    response: Response,
    principal: ProfileOwner,
    if_match: IfMatch = None,
) -> EqualityProfile:
    """Changes only the fields sent (200, If-Match required): null clears that answer, a
    field left out keeps its own. With no profile saved yet, creates one from the fields
    sent (201, without If-Match). Only the person themself and admins; every change is
    audited."""
    return _save(session, request, response, principal, member_id, body, if_match, replace=False)


@router.delete(
    PROFILE_PATH,
    status_code=204,
    summary="Withdraw a member's equality profile",
    responses=DELETE,
)
def delete_equality_profile(
    member_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    principal: ProfileOwner,
    if_match: IfMatch = None,
) -> None:
    """Removes every answer for good (If-Match required): the person no longer counts in
    their team's lead rule or in equality summaries, as if they had never answered. Only
    the person themself and admins; audited."""
    trail = audit_trail(request)
    service.ensure_may_see(principal, member_id, trail, action=service.PROFILE_CHANGED)
    profile = service.profile_to_withdraw(session, principal, member_id, trail)
    require_current(profile, if_match)
    service.withdraw_profile(session, profile, trail)


@router.get(
    "/collaboratives/{collaborative_id}/equality-summary",
    dependencies=[CAN_ADMINISTER],
    summary="Equality summary of a collaborative",
    response_model=EqualitySummary,
    responses=READ_ONE,
)
def get_equality_summary(
    collaborative_id: uuid.UUID, session: SessionDep, settings: SettingsDep, request: Request
) -> EqualitySummary:
    """Current members and leads of the selected, active and completed teams, by protected
    characteristic. Counts of fewer people than the threshold (10 by default, never below
    5) are suppressed, the others rounded to the nearest 5, and further cells suppressed
    wherever a suppressed one could be worked out. Admins only; every export is audited."""
    collaborative = collaboratives_service.get_collaborative(session, collaborative_id)
    summary = service.equality_summary(
        session, collaborative, threshold=settings.equality_threshold
    )
    audit_trail(request).record(service.SUMMARY_EXPORTED, "success", subject=str(collaborative_id))
    return summary
