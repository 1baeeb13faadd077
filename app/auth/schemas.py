"""Token endpoint requests and responses, OAuth errors, and the published key set."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.auth.tokens import MAX_TOKEN_BYTES
from app.schemas import NO_NUL

GRANT_TYPES = ("password", "refresh_token", "client_credentials")
MAX_PARAMETER_LENGTH = 1000

# Each form's parameters: (OpenAPI description, the longest value accepted). The form reader
# refuses longer values and NUL with 400 invalid_request, and ignores any other parameter
# (RFC 6749 3.2).
TOKEN_PARAMETERS: dict[str, tuple[str, int]] = {
    "grant_type": ("`password`, `refresh_token` or `client_credentials`.", MAX_PARAMETER_LENGTH),
    "username": ("For `password`: the account's email.", MAX_PARAMETER_LENGTH),
    "password": ("For `password`.", MAX_PARAMETER_LENGTH),
    "refresh_token": ("For `refresh_token`: the last refresh token issued.", MAX_PARAMETER_LENGTH),
    "client_id": (
        "For `client_credentials`, unless sent with HTTP Basic. A public client (the"
        " frontend) may name itself here in the other grants.",
        MAX_PARAMETER_LENGTH,
    ),
    "client_secret": (
        "For `client_credentials`, unless sent with HTTP Basic (preferred).",
        MAX_PARAMETER_LENGTH,
    ),
    "scope": (
        "For `client_credentials`: space-separated scopes; all the client's if left out.",
        MAX_PARAMETER_LENGTH,
    ),
}
REVOKE_PARAMETERS: dict[str, tuple[str, int]] = {
    "token": ("The refresh token (or an access token) of the sign-in to end.", MAX_TOKEN_BYTES),
    "token_type_hint": ("`refresh_token` or `access_token`; optional, and not needed.", 100),
}


def form_schema(
    title: str, parameters: dict[str, tuple[str, int]], required: list[str]
) -> dict[str, Any]:
    """The JSON Schema of a form-encoded body with these parameters."""
    properties: dict[str, Any] = {
        name: {"type": "string", "maxLength": cap, "pattern": NO_NUL, "description": text}
        for name, (text, cap) in parameters.items()
    }
    if "grant_type" in properties:
        properties["grant_type"] = {"type": "string", "enum": list(GRANT_TYPES)}
    return {"title": title, "type": "object", "properties": properties, "required": required}


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


class OAuthError(BaseModel):
    """RFC 6749 5.2's error response, with the RFC 9457 problem members beside it."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "temporarily_unavailable",
    ]
    error_description: str
    type: str = Field(description="The problem type, a URN naming the kind of refusal.")
    title: str
    status: int
    detail: str = Field(description="The same text as `error_description`.")
    instance: str | None = None


class PublicKey(BaseModel):
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    alg: str
    use: str


class KeySet(BaseModel):
    keys: list[PublicKey]
