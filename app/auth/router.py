"""HTTP endpoints for signing in (POST /auth/token) and the public keys (JWKS)."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from app.auth import service
from app.auth.keys import KeyStore
from app.auth.schemas import KeySet, TokenResponse
from app.db import utc_now
from app.deps import AuditDep
from app.errors import InvalidInput
from app.problems import problems
from app.schemas import NO_NUL

router = APIRouter(tags=["auth"])
keys_router = APIRouter(tags=["auth"])

Field = Annotated[str | None, Form(max_length=1000, pattern=NO_NUL)]


@router.post(
    "/auth/token",
    summary="Get an access token",
    response_model=TokenResponse,
    responses=problems(400, 401, 413, 415, 422, 429, 503),
)
def create_token(
    request: Request,
    response: Response,
    trail: AuditDep,
    grant_type: Annotated[Literal["password", "client_credentials", "refresh_token"], Form()],
    username: Field = None,
    password: Field = None,
    refresh_token: Field = None,
    client_id: Field = None,
    client_secret: Field = None,
    scope: Field = None,
) -> TokenResponse:
    """OAuth 2.0 token endpoint (form-encoded). People sign in with `grant_type=password`
    (`username` = email) and renew with `grant_type=refresh_token`; each refresh token works
    once, and presenting a used one ends that sign-in. Systems use `client_credentials` with
    `client_id`, `client_secret` and optionally `scope`. Access tokens live 15 minutes.

    Each account (or client) may fail 5 times in 15 minutes; then it is 429 with
    `Retry-After` until an attempt ages out. After 20 failures from one address, failed
    attempts from it are 429 too, but a correct password is never refused for that."""
    settings = request.app.state.settings
    keyring = _key_store(request).current()
    factory = request.app.state.sessionmaker
    response.headers["Cache-Control"] = "no-store"
    if grant_type == "password":
        username, password = _required(username=username, password=password)
        grant = service.password_grant(
            factory, settings, keyring, trail, email=username, password=password
        )
    elif grant_type == "refresh_token":
        (refresh_token,) = _required(refresh_token=refresh_token)
        grant = service.refresh_grant(
            factory, settings, keyring, trail, refresh_token=refresh_token
        )
    else:
        client_id, client_secret = _required(client_id=client_id, client_secret=client_secret)
        grant = service.client_grant(
            factory,
            settings,
            keyring,
            trail,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
        )
    return TokenResponse(
        access_token=grant.access_token,
        expires_in=grant.expires_in,
        refresh_token=grant.refresh_token,
        scope=grant.scope,
    )


def _key_store(request: Request) -> KeyStore:
    store: KeyStore = request.app.state.key_store
    return store


def _required(**fields: str | None) -> list[str]:
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise InvalidInput.at(("body", missing[0]), f"{missing[0]} is required for this grant")
    return [value for value in fields.values() if value]


@keys_router.get(
    "/.well-known/jwks.json",
    summary="The public keys that sign access tokens",
    response_model=KeySet,
)
def get_jwks(request: Request) -> KeySet:
    """The current key and any retired key whose tokens may still be alive (RFC 7517)."""
    settings = request.app.state.settings
    lifetime = timedelta(minutes=settings.access_token_minutes)
    keys = _key_store(request).current().verifying(utc_now(), lifetime)
    return KeySet.model_validate({"keys": [key.public_jwk() for key in keys.values()]})
