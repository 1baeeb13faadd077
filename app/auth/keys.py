"""The service's ES256 signing keys: made on first start, rotated on request, kept owner-only."""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEYRING_FILE = "signing-keys.json"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def public_pem(self) -> str:
        return _public_pem(self.private_pem)

    def public_jwk(self) -> dict[str, str]:
        """RFC 7517 / 7518 form of the public key, for /.well-known/jwks.json."""
        private = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        numbers = private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        }


@lru_cache(maxsize=64)
def _public_pem(private_pem: str) -> str:
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_key(now: datetime) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid=secrets.token_urlsafe(12), private_pem=pem, created_at=now)


@dataclass(frozen=True)
class Keyring:
    """Every key still able to verify tokens; the newest unretired one signs."""

    keys: tuple[SigningKey, ...]

    @property
    def signing(self) -> SigningKey:
        return next(key for key in reversed(self.keys) if key.retired_at is None)

    def verifying(self, now: datetime, token_lifetime: timedelta) -> dict[str, SigningKey]:
        """Keys whose tokens may still be alive: current ones, and retired ones until the
        longest token they signed has expired (plus the clock-skew allowance)."""
        grace = token_lifetime + timedelta(seconds=60)
        return {
            key.kid: key
            for key in self.keys
            if key.retired_at is None or key.retired_at + grace > now
        }


def _write(path: Path, keyring: Keyring) -> None:
    document: dict[str, Any] = {
        "keys": [
            {
                "kid": key.kid,
                "private_pem": key.private_pem,
                "created_at": key.created_at.isoformat(),
                "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            }
            for key in keyring.keys
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    # Created owner-only from the start: the private keys never sit readable by others.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(document, file, indent=2)
    os.replace(temporary, path)
    os.chmod(path, 0o600)


def _read(path: Path) -> Keyring:
    document = json.loads(path.read_text())
    return Keyring(
        tuple(
            SigningKey(
                kid=entry["kid"],
                private_pem=entry["private_pem"],
                created_at=datetime.fromisoformat(entry["created_at"]),
                retired_at=(
                    datetime.fromisoformat(entry["retired_at"]) if entry["retired_at"] else None
                ),
            )
            for entry in document["keys"]
        )
    )


def load_or_create(data_dir: Path) -> Keyring:
    """The keyring in the data directory, made with one fresh key on first start."""
    path = data_dir / KEYRING_FILE
    if path.exists():
        return _read(path)
    keyring = Keyring((new_key(datetime.now(UTC)),))
    _write(path, keyring)
    return keyring


def rotate(data_dir: Path, token_lifetime: timedelta) -> Keyring:
    """Add a new signing key; the old one stays valid until its last token has expired."""
    now = datetime.now(UTC)
    current = load_or_create(data_dir)
    kept = [
        key
        if key.retired_at is not None
        else SigningKey(key.kid, key.private_pem, key.created_at, now)
        for key in current.keys
        if key.kid in current.verifying(now, token_lifetime)
    ]
    keyring = Keyring((*kept, new_key(now)))
    _write(data_dir / KEYRING_FILE, keyring)
    return keyring
