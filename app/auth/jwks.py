"""Public keys of trusted identity providers (Entra ID and the like), fetched with httpx.

Fetches are HTTPS-only, time- and size-bounded, and an unknown `kid` triggers at most one
refetch per interval, so a stream of forged tokens cannot make us hammer the provider
(reliability-security.md 1.4 rule 4; PyJWT's unbounded-refetch advisory is the same class).
"""

import json
import time
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

import httpx

MAX_JWKS_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
MIN_REFRESH_SECONDS = 300.0
# Key types that may verify each algorithm: an "oct" (HMAC) key never verifies RS256/ES256.
KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}


class KeyFetchFailed(Exception):
    """The provider's key set could not be fetched or read."""


@dataclass
class JwksCache:
    url: str
    algorithm: str
    transport: httpx.BaseTransport | None = None
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float = -float("inf")
    fetches: int = 0
    _lock: Lock = field(default_factory=Lock)

    def key(self, kid: str) -> dict[str, Any] | None:
        """The key for `kid`, refetching the set if it is unknown and the last fetch is old."""
        with self._lock:
            if kid not in self.keys and time.monotonic() - self.fetched_at >= MIN_REFRESH_SECONDS:
                self._fetch()
            return self.keys.get(kid)

    def _fetch(self) -> None:
        if not self.url.startswith("https://"):
            raise KeyFetchFailed("the key set URL must be https")
        self.fetched_at = time.monotonic()
        self.fetches += 1
        try:
            with (
                httpx.Client(
                    transport=self.transport, timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False
                ) as client,
                client.stream("GET", self.url) as response,
            ):
                if response.status_code != 200:
                    raise KeyFetchFailed(f"the key set answered {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_JWKS_BYTES:
                        raise KeyFetchFailed("the key set is larger than 64 KiB")
            document = json.loads(body)
        except (httpx.HTTPError, ValueError) as error:
            raise KeyFetchFailed(f"the key set could not be read: {type(error).__name__}") from None
        wanted = KEY_TYPES.get(self.algorithm)
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise KeyFetchFailed("the key set has no keys")
        self.keys = {
            key["kid"]: key
            for key in keys
            if isinstance(key, dict)
            and isinstance(key.get("kid"), str)
            and key.get("kty") == wanted
            and key.get("use", "sig") == "sig"
            and key.get("alg", self.algorithm) == self.algorithm
        }
