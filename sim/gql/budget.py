"""The GraphQL points budget of each token: separate from REST's requests budget.

Primary: `limit` points per window (5,000 an hour for a user token), the window starting with the
first charged query, as REST's. Secondary: at most `per_minute` points (2,000) in any clock
minute on the endpoint. Headers carry `x-ratelimit-resource: graphql`.
"""

from __future__ import annotations

from sim.config import Clock
from sim.ratelimit import Bucket, RateLimiter

RESOURCE = "graphql"


class PointsBudget(RateLimiter):
    """Thread-safe accounting of points per token: REST's windows, plus the clock minute."""

    def __init__(self, limit: int, window_s: int, per_minute: int, clock: Clock) -> None:
        super().__init__(limit, window_s, clock)
        self.per_minute = per_minute
        self._minutes: dict[str, tuple[int, int]] = {}  # token -> (minute, points)

    def _minute_points(self, token: str) -> tuple[int, int]:
        minute = int(self.clock() // 60)
        held_minute, points = self._minutes.get(token, (minute, 0))
        return minute, points if held_minute == minute else 0

    def over_minute(self, token: str, cost: int) -> bool:
        """Whether `cost` more points would pass the per-minute secondary limit."""
        with self._lock:
            return self._minute_points(token)[1] + cost > self.per_minute

    def charge(self, token: str, cost: int = 1) -> Bucket:
        """Count a query's points (primary window and the current minute)."""
        bucket = super().charge(token, cost)
        with self._lock:
            minute, points = self._minute_points(token)
            self._minutes[token] = (minute, points + cost)
        return bucket
