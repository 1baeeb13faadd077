"""Per-caller token buckets, held in this process (each worker keeps its own); no FastAPI.

A caller may make `per_minute` requests a minute, in bursts of up to that many; a refused
request learns how many seconds until its next token."""

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    # Buckets that have refilled completely say nothing; past this many keys they are dropped.
    MAX_KEYS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        """Spend one token of `key`'s bucket: None when allowed, else whole seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > self.MAX_KEYS:
                    self._forget_full(now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.rate >= self.capacity:
                del self._buckets[key]
