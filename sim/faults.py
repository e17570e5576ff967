"""Deterministic fault injection: which request fails, and how.

The decision for a request is a hash of (fault seed, request key, attempt number for that key),
so the same sequence of requests meets the same faults whatever the thread interleaving.
"""

from __future__ import annotations

import fnmatch
import threading

from sim.config import FaultConfig
from sim.ids import h64, unit


class Faults:
    """Chooses faults from a FaultConfig."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._attempts: dict[str, int] = {}

    def set(self, config: FaultConfig) -> None:
        """Replace the configuration (attempt counters restart)."""
        with self._lock:
            self.config = config
            self._attempts.clear()

    def pick(self, path: str, key: str) -> str | None:
        """The fault for this request, or None."""
        cfg = self.config
        if (
            cfg.rate <= 0
            or not cfg.kinds
            or not any(fnmatch.fnmatchcase(path, p) for p in cfg.patterns)
        ):
            return None
        with self._lock:
            attempt = self._attempts.get(key, 0)
            self._attempts[key] = attempt + 1
        if unit(cfg.seed, "fault", key, attempt) >= cfg.rate:
            return None
        return cfg.kinds[h64(cfg.seed, "kind", key, attempt) % len(cfg.kinds)]

    def with_retry_after(self, key: str) -> bool:
        """Whether a secondary-limit answer carries Retry-After (half of them do)."""
        return h64(self.config.seed, "retry-after", key) % 2 == 0
