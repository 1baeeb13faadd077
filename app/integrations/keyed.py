"""Keyed hashes of the identifiers an extract carries (response ids, employee refs), so that
only the hashes are kept: HMAC-SHA256 with the server's secret (RFC 2104)."""

import hashlib
from collections.abc import Callable
from typing import Final

_BLOCK: Final = 64  # SHA-256's block size in bytes


def keyed_hash(key: bytes) -> Callable[[str], bytes]:
    """HMAC-SHA256 of an identifier's UTF-8 bytes under `key`: the same digest as
    `hmac.new(key, text.encode(), "sha256").digest()`, about twice as fast when called per
    row, because the two padded keys are hashed once here and each call copies their states."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(padded.translate(bytes(b ^ 0x36 for b in range(256)))).copy
    outer = hashlib.sha256(padded.translate(bytes(b ^ 0x5C for b in range(256)))).copy

    def hash_id(text: str) -> bytes:
        first = inner()
        first.update(text.encode())
        second = outer()
        second.update(first.digest())
        return second.digest()

    return hash_id
