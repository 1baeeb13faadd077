"""Hand-made JWTs for attack tests, built without any JOSE library: an attacker's tools."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def claims_for(subject: str, *, issuer: str, audience: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "role": "admin",
        "sid": str(uuid.uuid4()),  # the sign-in a person's token belongs to
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def es256(private_pem: str, kid: str, claims: dict[str, Any], **header: Any) -> str:
    signing_input = segments({"alg": "ES256", "typ": "at+jwt", "kid": kid, **header}, claims)
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def hs256(secret: bytes, kid: str, claims: dict[str, Any]) -> str:
    signing_input = segments({"alg": "HS256", "typ": "at+jwt", "kid": kid}, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def unsigned(kid: str, claims: dict[str, Any]) -> str:
    return f"{segments({'alg': 'none', 'typ': 'at+jwt', 'kid': kid}, claims)}."


def public_der(private_pem: str) -> bytes:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    return {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": b64(numbers.n.to_bytes(size, "big")),
        "e": b64(numbers.e.to_bytes(3, "big")),
    }


def rs256(key: rsa.RSAPrivateKey, kid: str, claims: dict[str, Any]) -> str:
    """An identity provider's token (Entra ID style: `typ` JWT, no `jti`)."""
    signing_input = segments({"alg": "RS256", "typ": "JWT", "kid": kid}, claims)
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"
