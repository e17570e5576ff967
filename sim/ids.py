"""Deterministic hashing: every generated value derives from (seed, entity, day, …).

Nothing here keeps state, so any repository or day can be generated alone and in any order.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random

DAY_S = 86_400
EPOCH_DAY = dt.date(2020, 1, 1)


def h64(*parts: object) -> int:
    """A 64-bit integer hash of the parts (stable across runs and platforms)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def unit(*parts: object) -> float:
    """A float in [0, 1) from the parts, cheaper than building a Random."""
    return h64(*parts) / 2.0**64


def rng(*parts: object) -> random.Random:
    """A `random.Random` seeded from the parts."""
    return random.Random(h64(*parts))


def sha1hex(*parts: object) -> str:
    """A 40-hex git-like object id."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.sha1(text, usedforsecurity=False).hexdigest()


def node_id(kind: str, ident: int) -> str:
    """A legacy-format GraphQL node id, e.g. `MDQ6VXNlcjE=` for User 1."""
    raw = f"0{len(kind)}:{kind}{ident}".encode()
    return base64.b64encode(raw).decode()


def day_index(day: dt.date) -> int:
    """Days since 2020-01-01; used inside ids so they grow with time."""
    return (day - EPOCH_DAY).days


def day_start(day: dt.date) -> int:
    """Epoch seconds of 00:00 UTC on the day."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def day_of(ts: float) -> dt.date:
    """The UTC day of an epoch timestamp."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).date()


def iso(ts: float) -> str:
    """ISO-8601 UTC with `Z`, seconds precision, as GitHub writes timestamps."""
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 timestamp or date (GitHub accepts both) into epoch seconds."""
    value = text.strip().replace("Z", "+00:00")
    if len(value) == 10:
        return float(day_start(dt.date.fromisoformat(value)))
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()
