"""FastAPI dependencies that authenticate the caller and check each route's permission."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.audit.actions import AuditAction
from app.auth import service, tokens
from app.auth.cache import PrincipalCache
from app.auth.jwks import JwksCache, KeyFetchFailed
from app.auth.keys import Keyring, KeyStore
from app.auth.principal import (
    ADMINISTER,
    APPLY,
    IMPORT,
    MANAGE_TEAM,
    OWN_PASSWORD,
    OWN_PROFILE,
    READ,
    RECORD_DATA,
    REVIEW,
    SELF,
    TEAM_WORK,
    Permission,
    Principal,
)
from app.config import Settings, TrustedIssuer
from app.db import utc_now
from app.errors import Forbidden, Unauthorized
from app.http.deps import SessionDep, SettingsDep, audit_trail
from app.http.idempotency import idempotent

TOKEN_URL = "/api/v1/auth/token"
# Declared as OAuth 2.0's password flow, so /docs's "Authorize" asks for the email and password
# and fetches the token itself; every token, however obtained, is sent as `Bearer`.
bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    refreshUrl=TOKEN_URL,
    scheme_name="OAuth2",
    auto_error=False,
    description="An access token from POST /api/v1/auth/token (15 minutes at most): people"
    " sign in with the password grant (`username` = email); systems use client credentials.",
)


def verifier_for(settings: Settings, keyring: Keyring) -> tokens.Verifier:
    keys = keyring.verifying(utc_now(), timedelta(minutes=settings.access_token_minutes))
    pems = {kid: key.public_pem for kid, key in keys.items()}
    return tokens.Verifier(
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        key_for=pems.get,
        max_lifetime_seconds=settings.access_token_minutes * 60,
    )


def external_verifier(trusted: TrustedIssuer, cache: JwksCache) -> tokens.Verifier:
    """Identity providers' tokens: their algorithm, their key set, no `typ` or `jti` demanded
    (Entra ID sets neither), every other claim required as for ours."""

    def key_for(kid: str) -> dict[str, Any] | None:
        try:
            return cache.key(kid)
        except KeyFetchFailed as failed:
            raise tokens.TokenRejected(f"the issuer's keys are unavailable: {failed}") from None

    return tokens.Verifier(
        issuer=trusted.issuer,
        audience=trusted.audience,
        key_for=key_for,
        max_lifetime_seconds=trusted.max_lifetime_minutes * 60,
        algorithm=trusted.algorithm,
        token_type=None,
        required_claims=("iss", "aud", "sub", "exp", "iat"),
    )


def _principals(request: Request) -> PrincipalCache:
    """The app's memory of recent callers (one per app: tests build many, each its own keys)."""
    cache: PrincipalCache | None = getattr(request.app.state, "principals", None)
    if cache is None:
        cache = request.app.state.principals = PrincipalCache()
    return cache


def _verify(
    request: Request,
    settings: Settings,
    session: Session,
    token: str,
    principals: PrincipalCache,
) -> Principal:
    """The caller the token names, looked up in the database (in the thread pool), and
    remembered for a moment (app.auth.cache)."""
    generation = principals.generation
    issuer = tokens.unverified_issuer(token)
    if issuer == settings.token_issuer:
        store: KeyStore = request.app.state.key_store
        claims = tokens.verify(token, verifier_for(settings, store.current()))
        principal = service.principal_from_claims(session, claims)
    else:
        external = request.app.state.trusted_issuers.get(issuer)
        if external is None:
            raise tokens.TokenRejected("untrusted issuer")
        claims = tokens.verify(token, external_verifier(*external))
        principal = service.principal_from_external(session, claims)
    principals.put(token, principal, claims["exp"], generation)
    return principal


async def current_principal(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Principal:
    """Async, so a token verified moments ago costs no thread-pool hop and no query."""
    trail = audit_trail(request)
    if not token:
        trail.record(AuditAction.TOKEN_REFUSED, "denied", reason="no bearer token")
        raise Unauthorized(
            "Send `Authorization: Bearer <token>`; get one from POST /api/v1/auth/token.",
            error="invalid_request",
        )
    try:
        principals = _principals(request)
        principal = principals.get(token)
        if principal is None:
            principal = await run_in_threadpool(
                _verify, request, settings, session, token, principals
            )
    except tokens.TokenRejected as refused:
        trail.record(AuditAction.TOKEN_REFUSED, "denied", reason=refused.reason)
        raise Unauthorized(f"The access token was refused: {refused.reason}.") from None
    except (Unauthorized, Forbidden) as refused:
        trail.record(AuditAction.TOKEN_REFUSED, "denied", reason=refused.detail[:200])
        raise
    trail.actor = principal.actor
    return principal


def check_permission(request: Request, permission: Permission, principal: Principal) -> None:
    """403 unless the caller holds the permission; a refusal is audited."""
    if principal.must_change_password and not permission.before_password_change:
        audit_trail(request).record(
            AuditAction.REQUEST_DENIED, "denied", reason="password change required"
        )
        raise Forbidden(
            "Choose a new password first: POST /api/v1/me/password with the temporary one.",
            slug="password-change-required",
        )
    if not permission.allows(principal):
        audit_trail(request).record(
            AuditAction.REQUEST_DENIED, "denied", reason=f"needs {permission.name}"
        )
        raise Forbidden(f"This needs the {permission.name} permission.")


class Allow:
    """A route's permission, as a dependency; the route-permission test looks for it."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        check_permission(request, self.permission, principal)
        return principal


# Route declarations: `dependencies=[CAN_READ]`, or a `Principal` parameter typed with one of
# the aliases below where the endpoint needs to know who is calling.
CAN_READ = Depends(Allow(READ))
CAN_ADMINISTER = Depends(Allow(ADMINISTER))
CAN_IMPORT = Depends(Allow(IMPORT))
Administrator = Annotated[Principal, Depends(Allow(ADMINISTER))]
# On a POST that creates, after its permission: the optional Idempotency-Key, per caller.
IDEMPOTENT = idempotent(current_principal)
Reader = Annotated[Principal, Depends(Allow(READ))]
Applicant = Annotated[Principal, Depends(Allow(APPLY))]
PanelMember = Annotated[Principal, Depends(Allow(REVIEW))]
TeamWorker = Annotated[Principal, Depends(Allow(TEAM_WORK))]
TeamManager = Annotated[Principal, Depends(Allow(MANAGE_TEAM))]
DataRecorder = Annotated[Principal, Depends(Allow(RECORD_DATA))]
ProfileOwner = Annotated[Principal, Depends(Allow(OWN_PROFILE))]
Myself = Annotated[Principal, Depends(Allow(SELF))]
PasswordOwner = Annotated[Principal, Depends(Allow(OWN_PASSWORD))]
# Who is calling, for a route whose permission is declared by another dependency.
Caller = Annotated[Principal, Depends(current_principal)]
