"""Which days a per-day endpoint still needs: missing days in the window plus a short re-fetch."""

from __future__ import annotations

from datetime import date, timedelta


def days_to_fetch(
    stored: dict[str, str],
    *,
    today: date,
    history_days: int,
    keep_days: int,
    refetch_days: int = 3,
) -> list[str]:
    """Days (ISO, oldest first) up to yesterday that are missing from `stored` ({day: fetched}),
    plus the last `refetch_days` days unless they were already fetched today.

    The window starts `history_days` back on a first run; once something is stored it reaches back
    to the oldest stored day (never further than `keep_days`, how long GitHub keeps the data)."""
    yesterday = today - timedelta(days=1)
    earliest = today - timedelta(days=keep_days)
    start = today - timedelta(days=history_days)
    if stored:
        start = min(start, date.fromisoformat(min(stored)))
    start = max(start, earliest)
    recent = {(yesterday - timedelta(days=i)).isoformat() for i in range(refetch_days)}
    today_iso = today.isoformat()
    out: list[str] = []
    day = start
    while day <= yesterday:
        iso = day.isoformat()
        fetched = stored.get(iso)
        if fetched is None or (iso in recent and fetched < today_iso):
            out.append(iso)
        day += timedelta(days=1)
    return out
