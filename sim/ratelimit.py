"""Primary rate limit per token: a budget per window that starts with the first charged request."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sim.config import Clock


@dataclass(frozen=True)
class Bucket:
    """The state of one token's budget, as the x-ratelimit-* headers tell it."""

    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        """Requests left in the window."""
        return max(0, self.limit - self.used)

    def headers(self, resource: str = "core") -> dict[str, str]:
        """GitHub's rate-limit headers."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": resource,
        }


class RateLimiter:
    """Thread-safe accounting of requests per token."""

    def __init__(self, limit: int, window_s: int, clock: Clock) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # token -> (reset, used)

    def _current(self, token: str) -> tuple[int, int]:
        now = self.clock()
        reset, used = self._windows.get(token, (0, 0))
        if now >= reset:
            return math.ceil(now) + self.window_s, 0
        return reset, used

    def peek(self, token: str) -> Bucket:
        """The bucket without charging."""
        with self._lock:
            reset, used = self._current(token)
            self._windows[token] = (reset, used)
            return Bucket(self.limit, used, reset)

    def charge(self, token: str, cost: int = 1) -> Bucket:
        """Count one request (or, for GraphQL, a query's points)."""
        with self._lock:
            reset, used = self._current(token)
            self._windows[token] = (reset, used + cost)
            return Bucket(self.limit, used + cost, reset)
