"""A virtual clock for tests and benchmarks: time that moves only when told to."""

from __future__ import annotations

import datetime as dt

START = 1_795_600_000.0
"""The default instant (2026-11-25 UTC)."""


class VirtualClock:
    """Epoch seconds that move only when something sleeps (`sleep`) or the test moves them
    (`now`, `set_day`); what slept is kept in `slept`."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.slept: list[float] = []

    @classmethod
    def on_day(cls, day: dt.date) -> VirtualClock:
        """A clock at 08:00 UTC of `day` (the daily job's time)."""
        clock = cls()
        clock.set_day(day)
        return clock

    def set_day(self, day: dt.date) -> None:
        """Move to 08:00 UTC of `day`."""
        self.now = dt.datetime(day.year, day.month, day.day, 8, tzinfo=dt.UTC).timestamp()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait and move on by it at once."""
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
