"""DORA performance levels: benchmark tables by report year, each metric bucketed on its own.

Sources: Accelerate State of DevOps 2021 (DORA / Google Cloud), 2023 and 2024 reports; deployment
frequency is judged, as DevLake does, on the median number of days per week with a deployment
(on-demand ≈ ≥ 3 days/week, daily–weekly ≥ 1, weekly–monthly ≥ 0.25, else low). The reports give
ranges; the cut-offs below are their upper (or lower) bounds in minutes or as a fraction. 2021 gives
16–30 % to high, medium and low CFR alike, so its CFR has no medium bucket. 2024's CFR centres are
not monotone (high 20 %, medium 10 %); we use its values sorted (5/10/20 %) so a worse rate never
gets a better level — a stated simplification.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR, DAY, WEEK, MONTH = 60.0, 1440.0, 10080.0, 43200.0


@dataclass(frozen=True, slots=True)
class Benchmark:
    """Cut-offs: (elite, high, medium) bounds; anything beyond the medium bound is low."""

    df_days_per_week: tuple[float, float, float]  # at least
    lead_time_minutes: tuple[float, float, float]  # below / at most
    cfr: tuple[float, float, float]  # at most
    recovery_minutes: tuple[float, float, float]  # below / at most


BENCHMARKS: dict[str, Benchmark] = {
    "2021": Benchmark(
        (3.0, 0.25, 1 / 26), (HOUR, WEEK, 6 * MONTH), (0.15, 0.30, 0.30), (HOUR, DAY, WEEK)
    ),
    "2023": Benchmark((3.0, 1.0, 0.25), (DAY, WEEK, MONTH), (0.05, 0.10, 0.15), (HOUR, DAY, WEEK)),
    "2024": Benchmark((3.0, 1.0, 0.25), (DAY, WEEK, MONTH), (0.05, 0.10, 0.20), (HOUR, DAY, WEEK)),
}
LEVELS = ("elite", "high", "medium")


def _at_most(value: float | None, bounds: tuple[float, float, float]) -> str | None:
    if value is None:
        return None
    for level, bound in zip(LEVELS, bounds, strict=True):
        if value <= bound:
            return level
    return "low"


def df_level(median_days_per_week: float | None, year: str) -> str | None:
    """Deployment-frequency level from the median deployment days per week."""
    if median_days_per_week is None:
        return None
    for level, bound in zip(LEVELS, BENCHMARKS[year].df_days_per_week, strict=True):
        if median_days_per_week >= bound:
            return level
    return "low"


def lt_level(median_minutes: float | None, year: str) -> str | None:
    """Lead-time level from the median lead time in minutes."""
    return _at_most(median_minutes, BENCHMARKS[year].lead_time_minutes)


def cfr_level(rate: float | None, year: str) -> str | None:
    """Change-failure-rate level."""
    return _at_most(rate, BENCHMARKS[year].cfr)


def recovery_level(median_minutes: float | None, year: str) -> str | None:
    """Failed-deployment-recovery-time level from the median in minutes."""
    return _at_most(median_minutes, BENCHMARKS[year].recovery_minutes)
