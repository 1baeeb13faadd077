"""Password and secret hashing with argon2id (argon2-cffi's defaults, RFC 9106)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Compared against when an account does not exist, so a miss costs as long as a hit and the
# response time does not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
