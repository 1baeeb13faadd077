"""HTTP endpoints for signing in and out (OAuth 2.0: /auth/token, /auth/revoke) and the
public keys (JWKS)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from app.audit.service import AuditTrail
from app.auth import forms, service, tokens
from app.auth.dependencies import verifier_for
from app.auth.keys import KeyStore
from app.auth.schemas import (
    GRANT_TYPES,
    REVOKE_PARAMETERS,
    TOKEN_PARAMETERS,
    KeySet,
    TokenResponse,
    form_schema,
)
from app.auth.schemas import OAuthError as OAuthErrorBody
from app.db import utc_now
from app.errors import OAuthError, TooManyRequests
from app.http.bodies import BodyPolicy
from app.http.deps import AuditDep, SessionDep, SettingsDep, audit_trail
from app.http.problems import NO_STORE, RETRY_AFTER_HEADER, problems

router = APIRouter(tags=["auth"])
keys_router = APIRouter(tags=["auth"])

# The largest legitimate form (every parameter at its longest, percent-encoded three bytes a
# character) is about 30 KiB; a form is never near the JSON limit.
FORM_MAX_BYTES = 64 * 1024


class FormReader:
    """Reads an OAuth endpoint's form, and declares that body to the guard: a small form of
    any media type, which read_form refuses in OAuth's terms (400 invalid_request) when it
    is not a form, where the guard would answer 415."""

    # Fifty parameters of at most a few thousand characters each: far less than any JSON body.
    body_policy = BodyPolicy(media_types=None, max_bytes=FORM_MAX_BYTES)

    def __init__(self, parameters: forms.Parameters) -> None:
        self.parameters = parameters

    async def __call__(self, request: Request) -> forms.Form:
        return await forms.read_form(request, self.parameters)


# The forms are read here rather than declared as Form() parameters, so that nothing a client
# sends can come back as FastAPI's 422: OAuth clients understand only RFC 6749's errors.
TokenForm = Annotated[forms.Form, Depends(FormReader(TOKEN_PARAMETERS))]
RevokeForm = Annotated[forms.Form, Depends(FormReader(REVOKE_PARAMETERS))]


def _form_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {"required": True, "content": {forms.FORM_MEDIA_TYPE: {"schema": schema}}}
    }


NO_STORE_HEADERS = {
    name: {
        "description": "Token responses are never cached (RFC 6749 5.1).",
        "schema": {"type": "string", "enum": [value]},
    }
    for name, value in NO_STORE.items()
}
OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": OAuthErrorBody,
        "description": "`invalid_request`, `invalid_grant` (wrong password, a refresh token that"
        " is unknown, used, expired or of an ended sign-in, a disabled account),"
        " `unsupported_grant_type`, `invalid_scope` or `unauthorized_client`.",
        "headers": NO_STORE_HEADERS,
    },
    401: {
        "model": OAuthErrorBody,
        "description": "`invalid_client`: the client id or secret is not right, or missing.",
        "headers": {
            "WWW-Authenticate": {
                "description": '`Basic realm="qi-collaborative"`',
                "schema": {"type": "string"},
            },
            **NO_STORE_HEADERS,
        },
    },
    429: {
        "model": OAuthErrorBody,
        "description": "`temporarily_unavailable`: too many failed sign-ins.",
        "headers": RETRY_AFTER_HEADER | NO_STORE_HEADERS,
    },
}


@router.post(
    "/auth/token",
    summary="Get an access token",
    response_model=TokenResponse,
    responses={200: {"headers": NO_STORE_HEADERS}, **OAUTH_ERRORS, **problems(413, 503)},
    openapi_extra=_form_body(form_schema("TokenRequest", TOKEN_PARAMETERS, ["grant_type"])),
)
def create_token(
    request: Request, response: Response, trail: AuditDep, form: TokenForm
) -> TokenResponse:
    """OAuth 2.0 token endpoint (RFC 6749), form-encoded. People sign in with
    `grant_type=password` (`username` = email) and renew with `grant_type=refresh_token`;
    each refresh token works once, and presenting a used one ends that sign-in. Systems use
    `client_credentials`, authenticating with HTTP Basic (`client_id:client_secret`, each
    form-encoded, RFC 6749 2.3.1) or with `client_id` and `client_secret` in the body, and
    optionally `scope`. Access tokens live 15 minutes.

    Refusals are RFC 6749 5.2 errors: JSON with `error` and `error_description` (and the
    problem members): 400 `invalid_request`, `invalid_grant`, `unsupported_grant_type`,
    `invalid_scope`, `unauthorized_client`; 401 `invalid_client` with
    `WWW-Authenticate: Basic`.

    Each account (or client) may fail 5 times in 15 minutes; then it is 429
    `temporarily_unavailable` with `Retry-After` until an attempt ages out. After 20 failures
    from one address, failed attempts from it are 429 too, but a correct password is never
    refused for that."""
    response.headers.update(NO_STORE)
    client = forms.client_auth(request, form, TOKEN_PARAMETERS)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise forms.invalid_request(
            "`grant_type` is required: password, refresh_token or client_credentials."
        )
    if grant_type not in GRANT_TYPES:
        raise OAuthError(
            "unsupported_grant_type",
            "This service supports the password, refresh_token and client_credentials grants.",
        )
    try:
        grant = _grant(request, trail, grant_type, form, client)
    except TooManyRequests as limited:
        # RFC 6749 5.2 has no code for "too many attempts". temporarily_unavailable (RFC 6749
        # 4.1.2.1, in IANA's OAuth error registry) says "try again later", as Retry-After
        # does; invalid_grant would say the password is wrong, and the limit refuses right
        # ones too.
        raise OAuthError(
            "temporarily_unavailable", limited.detail, headers=limited.headers
        ) from None
    return TokenResponse(
        access_token=grant.access_token,
        expires_in=grant.expires_in,
        refresh_token=grant.refresh_token,
        scope=grant.scope,
    )


def _key_store(request: Request) -> KeyStore:
    store: KeyStore = request.app.state.key_store
    return store


def _grant(
    request: Request,
    trail: AuditTrail,
    grant_type: str,
    form: forms.Form,
    client: forms.ClientAuth,
) -> service.TokenGrant:
    state = request.app.state
    factory, settings = state.sessionmaker, state.settings
    keyring = _key_store(request).current()
    if grant_type == "client_credentials":
        if client.client_id is None or client.client_secret is None:
            raise OAuthError(
                "invalid_client",
                "Client authentication is required: send client_id and client_secret with"
                " HTTP Basic, or in the body.",
            )
        return service.client_grant(
            factory,
            settings,
            keyring,
            trail,
            client_id=client.client_id,
            client_secret=client.client_secret,
            scope=form.get("scope"),
        )
    if client.client_secret is not None:
        raise OAuthError(
            "unauthorized_client",
            "Machine clients get tokens with grant_type=client_credentials; the password and"
            " refresh_token grants are for people, who send no client secret.",
        )
    if grant_type == "password":
        username, password = _required(form, grant_type, "username", "password")
        return service.password_grant(
            factory, settings, keyring, trail, email=username, password=password
        )
    (refresh_token,) = _required(form, grant_type, "refresh_token")
    return service.refresh_grant(factory, settings, keyring, trail, refresh_token=refresh_token)


def _required(form: forms.Form, grant_type: str, *names: str) -> list[str]:
    for name in names:
        if name not in form:
            raise forms.invalid_request(f"`{name}` is required for grant_type={grant_type}.")
    return [form[name] for name in names]


@router.post(
    "/auth/revoke",
    summary="Sign out: revoke a token",
    response_class=Response,
    responses={
        200: {
            "description": "Revoked, or the token was not valid anyway (RFC 7009 2.2).",
            "headers": NO_STORE_HEADERS,
        },
        400: {
            "model": OAuthErrorBody,
            "description": "`invalid_request`: no `token`, or not a form.",
            "headers": NO_STORE_HEADERS,
        },
        **problems(413, 503),
    },
    openapi_extra=_form_body(form_schema("RevokeRequest", REVOKE_PARAMETERS, ["token"])),
)
def revoke_token(request: Request, session: SessionDep, form: RevokeForm) -> Response:
    """OAuth 2.0 token revocation (RFC 7009), form-encoded: `token` is the refresh token (or
    an access token) of a sign-in, which ends, with every access token issued in it, at once.
    It answers 200 with no body whether or not the token was known (RFC 7009 2.2).

    No client authentication is needed: the frontend is a public client with no secret, and
    whoever holds a sign-in's token may end it. `token_type_hint` is accepted and not needed."""
    token = form.get("token")
    if token is None:
        raise forms.invalid_request("`token` is required: the refresh token of the sign-in to end.")
    service.sign_out(session, audit_trail(request), token=token, claims=_our_claims(request, token))
    return Response(status_code=200, headers=NO_STORE)


def _our_claims(request: Request, token: str) -> dict[str, object] | None:
    """The claims of a valid access token of ours; None for anything else (refresh tokens
    are opaque, with no dots)."""
    if token.count(".") != 2:
        return None
    verifier = verifier_for(request.app.state.settings, _key_store(request).current())
    try:
        return tokens.verify(token, verifier)
    except tokens.TokenRejected:
        return None


@keys_router.get(
    "/.well-known/jwks.json",
    summary="The public keys that sign access tokens",
    response_model=KeySet,
)
def get_jwks(request: Request, settings: SettingsDep) -> KeySet:
    """The current key and any retired key whose tokens may still be alive (RFC 7517)."""
    lifetime = timedelta(minutes=settings.access_token_minutes)
    keys = _key_store(request).current().verifying(utc_now(), lifetime)
    return KeySet.model_validate({"keys": [key.public_jwk() for key in keys.values()]})
