"""The keyed hashes an import puts in place of a person's identifier as soon as it reads one:
a file's rows can still be told apart by person, and the identifier itself is never kept."""

import hashlib
import hmac
import secrets
from collections.abc import Callable

from pydantic import SecretStr

KEY_BYTES = 32


def employee_hasher(key: SecretStr | None) -> Callable[[str], bytes]:
    """HMAC-SHA256 of an `employee_ref` under `key` (QI_EMPLOYEE_REF_KEY), or, when there is
    none, under a key drawn for this import alone: the hashes live only while the import
    reads its file, so nothing needs them to be the same in another import."""
    secret = key.get_secret_value().encode() if key is not None else secrets.token_bytes(KEY_BYTES)

    def hash_employee(ref: str) -> bytes:
        return hmac.digest(secret, ref.encode(), hashlib.sha256)

    return hash_employee
