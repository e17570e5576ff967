"""UTC timestamps, days, ISO weeks and durations: the one place time is interpreted.

Every timestamp written to metrics.db is ISO-8601 UTC with `Z`; dates are UTC days (`YYYY-MM-DD`);
weeks are ISO weeks starting on Monday; durations are minutes (float). Offsets such as `-06:00`
(seat timestamps) are converted to UTC first, so a day boundary is always the UTC one.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta


def parse_ts(value: object) -> datetime | None:
    """Parse an ISO-8601 timestamp (any offset, `Z` allowed) to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=1 << 16)
def _parse_text(value: str) -> datetime | None:
    """`parse_ts` of a string, memoised: a PR's times enter several durations (datetimes are
    immutable, so sharing them is safe)."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """Format an aware datetime as ISO-8601 UTC with `Z` (microseconds only when present)."""
    dt = dt.astimezone(UTC)
    spec = "microseconds" if dt.microsecond else "seconds"
    return dt.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def norm_ts(value: object) -> str | None:
    """Normalise a timestamp string to ISO-8601 UTC `Z`, or None when absent or unparsable."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 20 and value[19] == "Z" and value[10] == "T":
        return value  # already GitHub's canonical form (fast path: most timestamps)
    dt = parse_ts(value)
    return None if dt is None else iso(dt)


def utc_day(value: str | None) -> str | None:
    """The UTC day (`YYYY-MM-DD`) of a normalised timestamp."""
    return None if value is None else value[:10]


def minutes_between(start: str | None, end: str | None) -> float | None:
    """Minutes from `start` to `end` (may be negative), None when either is missing."""
    a, b = parse_ts(start), parse_ts(end)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60.0


def clamp0(value: float | None) -> float | None:
    """Clamp a duration at zero (clock skew or rebased commits must not give negative stages)."""
    return None if value is None else max(0.0, value)


@functools.lru_cache(maxsize=4096)
def week_start(day: str) -> str:
    """Monday of the ISO week holding `day` (memoised: called for every row of every week)."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def month_start(day: str) -> str:
    """First day of the month holding `day`."""
    return day[:8] + "01"


def days_between(start_day: str, end_day: str) -> int:
    """Whole days from `start_day` to `end_day` (both `YYYY-MM-DD`)."""
    return (date.fromisoformat(end_day) - date.fromisoformat(start_day)).days
