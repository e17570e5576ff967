"""Primary rate-limit bookkeeping and pacing for one token.

Every answer from the API host carries `x-ratelimit-limit/remaining/reset`. Before each request the
pacer checks the last known budget: when only a small reserve is left and the reset is in the
future, it waits for the reset instead of spending the reserve and running into 403s. The lowest
remaining value seen is the run's low-water mark (recorded in `run.finished`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Clock = Callable[[], float]
"""Seconds since the epoch (time.time, or a virtual clock in tests)."""

Sleep = Callable[[float], None]
"""Waits the given seconds (time.sleep, or a virtual clock's advance in tests)."""


@dataclass
class RateLimitState:
    """The last known primary budget of one token."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    lowest: int | None = None
    waited: float = 0.0
    """Seconds waited for the primary (hourly) limit: pacing, or a refusal until its reset."""
    waited_secondary: float = 0.0
    """Seconds waited after secondary-limit refusals (Retry-After or back-off)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, headers: Mapping[str, str]) -> None:
        """Take the budget from an answer's headers (lower-cased names)."""
        try:
            remaining = int(headers["x-ratelimit-remaining"])
            reset = float(headers["x-ratelimit-reset"])
            limit = int(headers.get("x-ratelimit-limit", "0")) or None
        except (KeyError, ValueError):
            return
        with self._lock:
            self.remaining, self.reset, self.limit = remaining, reset, limit
            self.lowest = remaining if self.lowest is None else min(self.lowest, remaining)

    def reserve(self, fraction: float) -> int:
        """How many requests to keep in hand (a fraction of the limit, at least 1)."""
        return max(1, int((self.limit or 0) * fraction))

    def pace(
        self,
        clock: Clock,
        sleep: Sleep,
        fraction: float,
        max_wait: float,
        on_wait: Callable[[float, int], None] | None = None,
    ) -> float:
        """Wait for the reset when the budget is down to the reserve; return seconds waited.
        `on_wait(seconds, remaining)` hears of a wait before it starts."""
        with self._lock:
            remaining, reset = self.remaining, self.reset
        if remaining is None or reset is None or remaining > self.reserve(fraction):
            return 0.0
        delay = reset - clock() + 1.0
        if delay <= 0:
            return 0.0
        delay = min(delay, max_wait)
        if on_wait is not None:
            on_wait(delay, remaining)
        sleep(delay)
        self.record_wait(delay)
        with self._lock:
            if self.limit is not None:
                self.remaining = None  # unknown until the next answer
        return delay

    def record_wait(self, seconds: float, *, secondary: bool = False) -> None:
        """Count a wait for the primary limit (pacing, a refusal until the reset) or, with
        `secondary`, for a secondary limit."""
        with self._lock:
            if secondary:
                self.waited_secondary += seconds
            else:
                self.waited += seconds
