"""HTTP endpoints for /clients: trusts' machine clients (programme leads only)."""

import uuid

from fastapi import APIRouter, Request, Response

from app.auth.dependencies import CAN_ADMINISTER, IDEMPOTENT
from app.auth.models import Client
from app.clients import service
from app.clients.schemas import ClientCreate, ClientRead, ClientUpdate, ClientWithSecret
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE, guarded
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.schemas import Page

router = APIRouter(prefix="/clients", tags=["clients"], dependencies=[CAN_ADMINISTER])


@router.get("", summary="List machine clients", response_model=Page[ClientRead], responses=LIST)
def list_clients(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    disabled: bool | None = None,
) -> Page[ClientRead]:
    """Trusts' systems that sign in with client credentials, oldest first."""
    items, next_cursor = service.list_clients(
        session, limit=limit, cursor=cursor, disabled=disabled
    )
    return page_of(ClientRead, items, next_cursor)


def _with_secret(client: Client, secret: str) -> ClientWithSecret:
    return ClientWithSecret(client=ClientRead.model_validate(client), client_secret=secret)


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Register a machine client",
    response_model=ClientWithSecret,
    responses=CREATE,
)
def create_client(
    body: ClientCreate, session: SessionDep, request: Request, response: Response
) -> ClientWithSecret:
    """A client with its scopes and, for a trust's system, its organisations; the secret is in
    this response only."""
    organisations = service.organisations_by_id(session, body.organisation_ids)
    client, secret = service.create_client(
        session,
        audit_trail(request),
        name=body.name,
        scopes=body.scopes,
        organisations=organisations,
    )
    created(response, f"{request.url.path}/{client.id}", client)
    return _with_secret(client, secret)


@router.get(
    "/{client_id}", summary="Get a machine client", response_model=ClientRead, responses=READ_ONE
)
def get_client(client_id: uuid.UUID, session: SessionDep, response: Response) -> Client:
    """The client with its scopes and organisations (never its secret), and its ETag."""
    client = service.get_client(session, client_id)
    with_etag(response, client)
    return client


@router.patch(
    "/{client_id}", summary="Change a machine client", response_model=ClientRead, responses=UPDATE
)
def update_client(
    client_id: uuid.UUID,
    body: ClientUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Client:
    """Its name, scopes, organisations, or `disabled` (its tokens stop at once)."""
    client = service.get_client(session, client_id)
    require_current(client, if_match)
    service.update_client(session, audit_trail(request), client, body)
    with_etag(response, client)
    return client


@router.post(
    "/{client_id}/secret",
    summary="Rotate a machine client's secret",
    response_model=ClientWithSecret,
    responses=guarded(400, 404, 412, 422, 428),
)
def rotate_secret(
    client_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> ClientWithSecret:
    """A new secret, in this response only. The old secret stops working now, and so does
    every access token issued with it. Needs `If-Match`."""
    client = service.get_client(session, client_id)
    require_current(client, if_match)
    secret = service.rotate_secret(session, audit_trail(request), client)
    with_etag(response, client)
    return _with_secret(client, secret)


@router.delete("/{client_id}", status_code=204, summary="Revoke a machine client", responses=DELETE)
def delete_client(
    client_id: uuid.UUID, session: SessionDep, request: Request, if_match: IfMatch = None
) -> None:
    """Removes the client: its secret and its access tokens stop working at once."""
    client = service.get_client(session, client_id)
    require_current(client, if_match)
    service.delete_client(session, audit_trail(request), client)
