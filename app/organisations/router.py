"""HTTP endpoints for /organisations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth.dependencies import CAN_ADMINISTER, CAN_READ, IDEMPOTENT
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE
from app.http.responses import created, page_of, with_etag
from app.organisations import service
from app.organisations.models import Organisation, OrganisationKind
from app.organisations.schemas import OrganisationCreate, OrganisationRead, OrganisationUpdate
from app.pagination import DEFAULT_LIMIT
from app.schemas import NO_NUL, Page

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get(
    "",
    dependencies=[CAN_READ],
    summary="List organisations",
    response_model=Page[OrganisationRead],
    responses=LIST,
)
def list_organisations(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    kind: OrganisationKind | None = None,
    ods_code: Annotated[str | None, Query(max_length=10, pattern=NO_NUL)] = None,
) -> Page[OrganisationRead]:
    """NHS organisations taking part, oldest first; filter by `kind` or `ods_code`."""
    items, next_cursor = service.list_organisations(
        session, limit=limit, cursor=cursor, kind=kind, ods_code=ods_code
    )
    return page_of(OrganisationRead, items, next_cursor)


@router.post(
    "",
    dependencies=[CAN_ADMINISTER, IDEMPOTENT],
    status_code=201,
    summary="Add an organisation",
    response_model=OrganisationRead,
    responses=CREATE,
)
def create_organisation(
    body: OrganisationCreate, session: SessionDep, request: Request, response: Response
) -> Organisation:
    """Registers an NHS organisation; its ODS code must be new (409 otherwise)."""
    organisation = service.create_organisation(session, body)
    created(response, f"{request.url.path}/{organisation.id}", organisation)
    return organisation


@router.get(
    "/{organisation_id}",
    dependencies=[CAN_READ],
    summary="Get an organisation",
    response_model=OrganisationRead,
    responses=READ_ONE,
)
def get_organisation(
    organisation_id: uuid.UUID, session: SessionDep, response: Response
) -> Organisation:
    """The organisation, with its ETag for If-Match on a later change."""
    organisation = service.get_organisation(session, organisation_id)
    with_etag(response, organisation)
    return organisation


@router.patch(
    "/{organisation_id}",
    dependencies=[CAN_ADMINISTER],
    summary="Change an organisation",
    response_model=OrganisationRead,
    responses=UPDATE,
)
def update_organisation(
    organisation_id: uuid.UUID,
    body: OrganisationUpdate,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> Organisation:
    """Changes only the fields sent; needs `If-Match`."""
    organisation = service.get_organisation(session, organisation_id)
    require_current(organisation, if_match)
    service.update_organisation(session, organisation, body)
    with_etag(response, organisation)
    return organisation


@router.delete(
    "/{organisation_id}",
    dependencies=[CAN_ADMINISTER],
    status_code=204,
    summary="Remove an organisation",
    responses=DELETE,
)
def delete_organisation(
    organisation_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None
) -> None:
    """Removes an organisation no team or member refers to (409 otherwise); needs `If-Match`."""
    organisation = service.get_organisation(session, organisation_id)
    require_current(organisation, if_match)
    service.delete_organisation(session, organisation)
