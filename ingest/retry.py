"""Retry policy as data, and the classification of a GitHub answer into ok / retry / fail.

GitHub's rules (docs "Rate limits for the REST API", "Best practices"): a 429, or a 403 whose
`x-ratelimit-remaining` is 0 or whose message names a secondary rate limit, is a rate limit. Wait
for `retry-after` when given; else until `x-ratelimit-reset` when the remaining budget is 0; else
back off exponentially, at least a minute for secondary limits. 5xx answers and network failures are
retried with exponential backoff. A 401, and a 403/404 that is not a rate limit, are never retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; all durations in seconds."""

    max_attempts: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    secondary_min: float = 60.0
    reset_max_wait: float = 3900.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    pace_reserve_fraction: float = 0.02
    max_link_refreshes: int = 2

    def backoff(self, attempt: int, *, secondary: bool = False) -> float:
        """Exponential backoff for the given 1-based attempt number, capped."""
        delay = float(self.backoff_base * (2.0 ** max(0, attempt - 1)))
        if secondary:
            delay = max(delay, self.secondary_min)
        return min(delay, self.backoff_max)


class Verdict(Enum):
    """What to do with an answer."""

    OK = "ok"
    RETRY = "retry"
    AUTH = "auth"
    PERMISSION = "permission"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Classification:
    """A verdict plus, for retries, how long GitHub asked us to wait (None: use backoff)."""

    verdict: Verdict
    wait: float | None = None
    secondary: bool = False
    reason: str = ""


_SECONDARY_MARKERS = ("secondary rate limit", "abuse detection", "abuse-rate-limits")


def _float(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds GitHub asks to wait: retry-after first, then the reset when remaining is 0."""
    retry_after = _float(headers, "retry-after")
    if retry_after is not None:
        return max(0.0, retry_after)
    if headers.get("x-ratelimit-remaining") == "0":
        reset = _float(headers, "x-ratelimit-reset")
        if reset is not None:
            return max(0.0, reset - now) + 1.0
    return None


def classify(
    status: int, headers: Mapping[str, str], body: bytes | None, now: float
) -> Classification:
    """Classify an HTTP answer (headers lower-cased)."""
    if status < 400:
        return Classification(Verdict.OK)
    text = (body or b"")[:2000].decode("utf-8", "replace").lower()
    if status == 429 or (status == 403 and _is_rate_limited_403(headers, text)):
        secondary = headers.get("x-ratelimit-remaining") != "0"
        return Classification(
            Verdict.RETRY,
            wait=rate_limit_wait(headers, now),
            secondary=secondary,
            reason="secondary rate limit" if secondary else "rate limit exhausted",
        )
    if status == 401:
        return Classification(Verdict.AUTH, reason="token refused (401)")
    if status in (403, 404):
        return Classification(Verdict.PERMISSION, reason=f"HTTP {status}")
    if status >= 500:
        return Classification(
            Verdict.RETRY, wait=_float(headers, "retry-after"), reason=f"{status}"
        )
    return Classification(Verdict.FAIL, reason=f"HTTP {status}")


def _is_rate_limited_403(headers: Mapping[str, str], text: str) -> bool:
    if headers.get("x-ratelimit-remaining") == "0":
        return True
    if "retry-after" in headers:
        return True
    return any(marker in text for marker in _SECONDARY_MARKERS) or "rate limit" in text
