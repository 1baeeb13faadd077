"""The service's ES256 signing keys: made on first start, rotated on request, kept owner-only,
and re-read by every running worker within seconds of a rotation."""

import base64
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.errors import ServiceUnavailable

KEYRING_FILE = "signing-keys.json"

logger = logging.getLogger(__name__)


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
        numbers = _p256_private_key(self.private_pem).public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        }


def _p256_private_key(private_pem: str) -> ec.EllipticCurvePrivateKey:
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise ValueError("not a P-256 private key")
    return private


@lru_cache(maxsize=64)
def _public_pem(private_pem: str) -> str:
    return (
        _p256_private_key(private_pem)
        .public_key()
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


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def _read(path: Path) -> Keyring:
    """The keyring in the file; ValueError, KeyError or TypeError when it is not one that can
    sign and verify (checked here, so a damaged file never gets as far as a request)."""
    document = json.loads(path.read_text())
    keyring = Keyring(
        tuple(
            SigningKey(
                kid=str(entry["kid"]),
                private_pem=str(entry["private_pem"]),
                created_at=_instant(entry["created_at"]),
                retired_at=_instant(entry["retired_at"]) if entry["retired_at"] else None,
            )
            for entry in document["keys"]
        )
    )
    if all(key.retired_at is not None for key in keyring.keys):
        raise ValueError("no current signing key")
    for key in keyring.keys:
        _public_pem(key.private_pem)
    return keyring


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


class NoSigningKeys(ServiceUnavailable):
    """The data directory has no readable keyring: `qicollab serve` makes one before its workers
    start, `qicollab keys rotate` makes or extends it. A request meeting it is a 503, not a
    500; the client is told nothing of the server's paths, the log is."""


class KeyStore:
    """The keyring in the data directory, as each worker sees it: read on first use (building an
    app touches no file, so `qicollab openapi` leaves the directory alone), then the file's
    identity (inode, size, modification time) is checked at most once per `check_seconds` when
    the keyring is asked for, and the file re-read when it has changed, so `qicollab keys rotate`
    reaches every running worker within seconds. A file that cannot be read or is damaged
    leaves the last good keyring in use (with a warning in the log) and is tried again at the
    next check; with no good keyring yet, NoSigningKeys."""

    def __init__(self, data_dir: Path, check_seconds: float = 1.0) -> None:
        self._path = data_dir / KEYRING_FILE
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._keyring: Keyring | None = None
        self._signature: tuple[int, int, int] | None = None
        self._checked_at = 0.0
        self._failed: tuple[str, str] | None = None

    def current(self) -> Keyring:
        """The keyring to sign and verify with now."""
        keyring = self._keyring
        if keyring is None or time.monotonic() - self._checked_at >= self._check_seconds:
            with self._lock:
                if self._keyring is None:
                    self._keyring, self._signature = self._first_read()
                    self._checked_at = time.monotonic()
                elif time.monotonic() - self._checked_at >= self._check_seconds:
                    self._check(self._keyring)
                    self._checked_at = time.monotonic()
                keyring = self._keyring
        return keyring

    def _first_read(self) -> tuple[Keyring, tuple[int, int, int]]:
        try:
            # Identity first, then contents: a change in between is seen as a change next time.
            signature = self._stat()
            return _read(self._path), signature
        except Exception as error:
            logger.error(
                "no usable signing keys in %s (%s: %s); `qicollab serve` or `qicollab keys"
                " rotate` makes them",
                self._path,
                type(error).__name__,
                error,
            )
            raise NoSigningKeys(
                "The service has no signing keys yet, so it cannot sign in or check tokens;"
                " its operator makes them with `qicollab serve` or `qicollab keys rotate`."
            ) from error

    def _stat(self) -> tuple[int, int, int]:
        status = self._path.stat()
        return status.st_ino, status.st_size, status.st_mtime_ns

    def _check(self, last_good: Keyring) -> None:
        try:
            signature = self._stat()
            if signature == self._signature:
                return
            keyring = _read(self._path)
        except Exception as error:  # whatever is wrong with the file, requests go on
            problem = (type(error).__name__, str(error))
            if problem != self._failed:  # once per problem, not once a second
                logger.warning(
                    "cannot read the signing keys in %s (%s: %s); still using kid %s",
                    self._path,
                    *problem,
                    last_good.signing.kid,
                )
                self._failed = problem
            return
        self._keyring, self._signature, self._failed = keyring, signature, None
        logger.info(
            "signing keys reloaded from %s; signing with kid %s", self._path, keyring.signing.kid
        )
