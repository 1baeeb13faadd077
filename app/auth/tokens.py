"""Signing and verifying JWTs; the only module that imports python-jose.

python-jose 3.5.0 accepts any header `alg` unless `algorithms` is given, requires no claim by
default, ignores `kid`, and (CVE-2026-85394, CVE-2026-120459) can take a public key or an empty
key as an HMAC secret. So: one fixed asymmetric algorithm, every claim required, the key chosen
by `kid` from our own keyring and passed alone, a size cap before parsing, and `iat` checked
against the clock here because the library does not (reliability-security.md 1.3-1.4).
"""

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

ALGORITHM = "ES256"
ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token cannot pass for another kind of JWT
MAX_TOKEN_BYTES = 8 * 1024
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ("iss", "aud", "sub", "exp", "iat", "jti")


class TokenRejected(Exception):
    """A token that must not be honoured; `reason` is safe to log and to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


KeyLookup = Callable[[str], str | dict[str, Any] | None]  # kid -> public PEM or JWK


@dataclass(frozen=True)
class Verifier:
    """What a token must match: who issued it, for whom, with which keys and algorithm."""

    issuer: str
    audience: str
    key_for: KeyLookup
    # The longest a token may live (exp - iat): a validly signed token that claims more was
    # not issued as configured, and is refused.
    max_lifetime_seconds: int
    algorithm: str = ALGORITHM
    token_type: str | None = ACCESS_TOKEN_TYPE
    required_claims: tuple[str, ...] = REQUIRED_CLAIMS


def issue(
    *,
    private_pem: str,
    kid: str,
    issuer: str,
    audience: str,
    subject: str,
    lifetime_seconds: int,
    claims: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """A signed access token and its claims."""
    now = int(time.time())
    payload = {
        **claims,
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
    }
    headers = {"kid": kid, "typ": ACCESS_TOKEN_TYPE}
    token = jwt.encode(payload, private_pem, algorithm=ALGORITHM, headers=headers)
    return token, payload


def unverified_issuer(token: str) -> str | None:
    """The `iss` a token claims, to choose its verifier; nothing is trusted from it."""
    _check_size(token)
    try:
        issuer = jwt.get_unverified_claims(token).get("iss")
    except JWTError:
        raise TokenRejected("malformed token") from None
    return issuer if isinstance(issuer, str) else None


def _check_size(token: str) -> None:
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise TokenRejected("token larger than 8 KiB")


def verify(token: str, verifier: Verifier) -> dict[str, Any]:
    """The token's claims, or TokenRejected saying why not."""
    _check_size(token)
    try:
        header = jwt.get_unverified_header(token)
    except JWTError:
        raise TokenRejected("malformed token") from None
    if header.get("alg") != verifier.algorithm:
        raise TokenRejected(f"algorithm {header.get('alg')!r} is not accepted")
    if verifier.token_type is not None and header.get("typ") != verifier.token_type:
        raise TokenRejected("not an access token")
    kid = header.get("kid")
    key = verifier.key_for(kid) if isinstance(kid, str) else None
    if key is None:
        raise TokenRejected("unknown signing key")
    options = {f"require_{claim}": True for claim in verifier.required_claims} | {
        "leeway": LEEWAY_SECONDS
    }
    _check_claim_types(jwt.get_unverified_claims(token))
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[verifier.algorithm],
            audience=verifier.audience,
            issuer=verifier.issuer,
            options=options,
        )
    except ExpiredSignatureError:
        raise TokenRejected("token expired") from None
    except JWTClaimsError as error:
        raise TokenRejected(f"invalid claims: {error}") from None
    except JWTError as error:
        # python-jose reports a missing required claim as a plain JWTError.
        if "missing required key" in str(error):
            raise TokenRejected(f"invalid claims: {error}") from None
        raise TokenRejected("invalid signature") from None
    if not isinstance(claims.get("iat"), int) or claims["iat"] > time.time() + LEEWAY_SECONDS:
        raise TokenRejected("token issued in the future")
    if claims["exp"] - claims["iat"] > verifier.max_lifetime_seconds:
        raise TokenRejected("token lifetime longer than this service issues")
    return claims


# The registered claims and the JSON types RFC 7519 4.1 gives them; python-jose would read
# "exp": "9999999999" as a number, so each is checked before it looks.
_NUMERIC_DATES = ("exp", "iat", "nbf")
_STRINGS = ("iss", "sub", "jti")


def _check_claim_types(claims: dict[str, Any]) -> None:
    for name in _NUMERIC_DATES:
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TokenRejected(f"invalid claims: {name} must be a whole number of seconds")
    for name in _STRINGS:
        value = claims.get(name)
        if value is not None and not isinstance(value, str):
            raise TokenRejected(f"invalid claims: {name} must be a string")
    audience = claims.get("aud")
    if audience is not None and not (
        isinstance(audience, str)
        or (isinstance(audience, list) and all(isinstance(item, str) for item in audience))
    ):
        raise TokenRejected("invalid claims: aud must be a string or a list of strings")
