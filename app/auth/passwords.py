"""Password and secret hashing with argon2id (argon2-cffi's defaults, RFC 9106, unless the
settings lower them for tests)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings


@cache
def hasher() -> PasswordHasher:
    """The process's hasher, with the cost parameters of its settings (`QI_PASSWORD_HASH_*`).
    A stored hash names its own parameters, so hashes made with others still verify."""
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost=settings.password_hash_memory_cost,
        parallelism=settings.password_hash_parallelism,
    )


@cache
def _dummy_hash() -> str:
    """Compared against when an account does not exist, so a miss costs as long as a hit and
    the response time does not tell which emails have accounts. Made on first use, not at
    import: hashing is slow on purpose, and most imports never sign anyone in."""
    return hasher().hash("not-a-real-password")


def hash_secret(secret: str) -> str:
    return hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return hasher().verify(stored_hash or _dummy_hash(), secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
