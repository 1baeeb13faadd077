"""HTTP endpoints for /accounts (programme leads only) and /me (every caller)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.accounts import me, service
from app.accounts.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    AccountWithPassword,
    Me,
    PasswordChange,
)
from app.auth.dependencies import CAN_ADMINISTER, IDEMPOTENT, Myself, PasswordOwner
from app.auth.models import Role, User
from app.errors import Forbidden
from app.http.concurrency import require_current
from app.http.deps import Cursor, IfMatch, Limit, SessionDep, audit_trail
from app.http.problems import CREATE, DELETE, LIST, READ_ONE, UPDATE, guarded
from app.http.responses import created, page_of, with_etag
from app.pagination import DEFAULT_LIMIT
from app.schemas import NO_NUL, Page

router = APIRouter(prefix="/accounts", tags=["accounts"], dependencies=[CAN_ADMINISTER])
me_router = APIRouter(prefix="/me", tags=["me"])


@router.get("", summary="List accounts", response_model=Page[AccountRead], responses=LIST)
def list_accounts(
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    role: Role | None = None,
    disabled: bool | None = None,
    email: Annotated[str | None, Query(max_length=254, pattern=NO_NUL)] = None,
) -> Page[AccountRead]:
    """People's accounts, oldest first; filter by role, disabled or email."""
    items, next_cursor = service.list_accounts(
        session, limit=limit, cursor=cursor, role=role, disabled=disabled, email=email
    )
    return page_of(AccountRead, items, next_cursor)


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    summary="Create an account",
    response_model=AccountWithPassword,
    responses=CREATE,
)
def create_account(
    body: AccountCreate, session: SessionDep, request: Request, response: Response
) -> AccountWithPassword:
    """An account with a temporary password, shown only in this response; the person must
    choose their own at the first sign-in. Coaches and members need a member record with the
    same email (422 otherwise): their teams follow from it."""
    user, temporary = service.create_account(
        session, audit_trail(request), email=body.email, role=body.role
    )
    assert temporary is not None
    created(response, f"{request.url.path}/{user.id}", user)
    return AccountWithPassword(
        account=AccountRead.model_validate(user), temporary_password=temporary
    )


@router.get(
    "/{account_id}", summary="Get an account", response_model=AccountRead, responses=READ_ONE
)
def get_account(account_id: uuid.UUID, session: SessionDep, response: Response) -> User:
    """The account with its role, and its ETag for If-Match on a later change."""
    user = service.get_account(session, account_id)
    with_etag(response, user)
    return user


@router.patch(
    "/{account_id}", summary="Change an account", response_model=AccountRead, responses=UPDATE
)
def update_account(
    account_id: uuid.UUID,
    body: AccountUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> User:
    """Its role, or `disabled` (its tokens stop at once); not your own account (409)."""
    user = service.get_account(session, account_id)
    require_current(user, if_match)
    service.update_account(session, audit_trail(request), user, body)
    with_etag(response, user)
    return user


@router.post(
    "/{account_id}/password-reset",
    summary="Reset an account's password",
    response_model=AccountWithPassword,
    responses=guarded(400, 404, 412, 422, 428),
)
def reset_password(
    account_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> AccountWithPassword:
    """A new temporary password, shown only in this response, to hand to the person; every
    sign-in of the account ends now, and until they choose a new password only `GET /me` and
    `POST /me/password` answer them. Needs `If-Match`."""
    user = service.get_account(session, account_id)
    require_current(user, if_match)
    temporary = service.reset_password(session, audit_trail(request), user)
    with_etag(response, user)
    return AccountWithPassword(
        account=AccountRead.model_validate(user), temporary_password=temporary
    )


@router.delete("/{account_id}", status_code=204, summary="Delete an account", responses=DELETE)
def delete_account(
    account_id: uuid.UUID, session: SessionDep, request: Request, if_match: IfMatch = None
) -> None:
    """The account and its sign-ins; the person's member record stays (erase that with
    `DELETE /members/{id}?erase=true`). Not your own account (409)."""
    user = service.get_account(session, account_id)
    require_current(user, if_match)
    service.delete_account(session, audit_trail(request), user)


@me_router.get("", summary="Who am I", response_model=Me, responses=guarded())
def get_me(session: SessionDep, principal: Myself) -> Me:
    """The caller's account (or client), member record, role or scopes, and the teams they
    reach and why; answers even when the caller must change their password first."""
    return me.about(session, principal)


@me_router.post(
    "/password",
    status_code=204,
    summary="Change my password",
    responses=guarded(400, 413, 415, 422),
)
def change_password(
    body: PasswordChange, session: SessionDep, request: Request, principal: PasswordOwner
) -> None:
    """Needs the current (or temporary) password. Every sign-in of the account ends, this one
    too: sign in again with the new password. Accounts of trusts' identity providers change
    their password there."""
    kind, _, ident = principal.actor.partition(":")
    if kind != "user":
        raise Forbidden("Only people have passwords here.")
    user = service.get_account(session, uuid.UUID(ident))
    service.change_own_password(
        session,
        audit_trail(request),
        user,
        current=body.current_password,
        new=body.new_password,
    )
