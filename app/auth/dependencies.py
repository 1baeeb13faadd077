"""FastAPI dependencies that authenticate the caller and check each route's permission."""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service, tokens
from app.auth.keys import Keyring
from app.auth.principal import (
    ADMINISTER,
    CHART,
    MANAGE_TEAM,
    READ,
    RECORD_DATA,
    Permission,
    Principal,
)
from app.config import Settings
from app.db import utc_now
from app.deps import SessionDep, audit_trail
from app.errors import Forbidden, Unauthorized

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from POST /api/v1/auth/token (15 minutes at most).",
)


def verifier_for(settings: Settings, keyring: Keyring) -> tokens.Verifier:
    keys = keyring.verifying(utc_now(), timedelta(minutes=settings.access_token_minutes))
    return tokens.Verifier(
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        keys={kid: key.public_pem for kid, key in keys.items()},
    )


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    trail = audit_trail(request)
    if credentials is None:
        trail.record("token_refused", "denied", reason="no bearer token")
        raise Unauthorized(
            "Send `Authorization: Bearer <token>`; get one from POST /api/v1/auth/token.",
            error="invalid_request",
        )
    verifier = verifier_for(request.app.state.settings, request.app.state.keyring)
    try:
        claims = tokens.verify(credentials.credentials, verifier)
        principal = service.principal_from_claims(session, claims)
    except tokens.TokenRejected as refused:
        trail.record("token_refused", "denied", reason=refused.reason)
        raise Unauthorized(f"The access token was refused: {refused.reason}.") from None
    except Unauthorized as refused:
        trail.record("token_refused", "denied", reason=refused.detail[:200])
        raise
    trail.actor = principal.actor
    return principal


class Allow:
    """A route's permission, as a dependency; the route-permission test looks for it."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if not self.permission.allows(principal):
            audit_trail(request).record(
                "request_denied", "denied", reason=f"needs {self.permission.name}"
            )
            raise Forbidden(f"This needs the {self.permission.name} permission.")
        return principal


# Route declarations: `dependencies=[CAN_READ]`, or a `Principal` parameter typed with one of
# the aliases below where the endpoint needs to know who is calling.
CAN_READ = Depends(Allow(READ))
CAN_ADMINISTER = Depends(Allow(ADMINISTER))
CAN_CHART = Depends(Allow(CHART))
TeamManager = Annotated[Principal, Depends(Allow(MANAGE_TEAM))]
DataRecorder = Annotated[Principal, Depends(Allow(RECORD_DATA))]
