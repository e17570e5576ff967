"""The GraphQL points budget of each token: separate from REST's requests budget.

Primary: `limit` points per window (5,000 an hour for a user token), the window starting with the
first charged query, as REST's. Secondary: at most `per_minute` points (2,000) in any clock
minute on the endpoint. Headers carry `x-ratelimit-resource: graphql`.
"""

from __future__ import annotations

import math
import threading

from sim.config import Clock
from sim.ratelimit import Bucket

RESOURCE = "graphql"


class PointsBudget:
    """Thread-safe accounting of points per token."""

    def __init__(self, limit: int, window_s: int, per_minute: int, clock: Clock) -> None:
        self.limit = limit
        self.window_s = window_s
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # token -> (reset, used)
        self._minutes: dict[str, tuple[int, int]] = {}  # token -> (minute, points)

    def _current(self, token: str) -> tuple[int, int]:
        now = self.clock()
        reset, used = self._windows.get(token, (0, 0))
        if now >= reset:
            return math.ceil(now) + self.window_s, 0
        return reset, used

    def peek(self, token: str) -> Bucket:
        """The budget without charging."""
        with self._lock:
            reset, used = self._current(token)
            self._windows[token] = (reset, used)
            return Bucket(self.limit, used, reset)

    def over_minute(self, token: str, cost: int) -> bool:
        """Whether `cost` more points would pass the per-minute secondary limit."""
        minute = int(self.clock() // 60)
        with self._lock:
            held_minute, points = self._minutes.get(token, (minute, 0))
            points = points if held_minute == minute else 0
            return points + cost > self.per_minute

    def charge(self, token: str, cost: int) -> Bucket:
        """Count a query's points (primary window and the current minute)."""
        minute = int(self.clock() // 60)
        with self._lock:
            reset, used = self._current(token)
            self._windows[token] = (reset, used + cost)
            held_minute, points = self._minutes.get(token, (minute, 0))
            points = points if held_minute == minute else 0
            self._minutes[token] = (minute, points + cost)
            return Bucket(self.limit, used + cost, reset)
