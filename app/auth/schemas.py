"""Token endpoint responses and the published key set."""

from typing import Literal

from pydantic import BaseModel


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


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
