"""The demo: the daily job for N simulated days against the built-in GitHub simulator.

Needs no token and no network: `sim` serves two enterprises on a free loopback port, the demo
writes a config.toml for them into its folder (tokens in `GHMC_DEMO_TOKEN_<n>` variables of this
process only) and runs `run_daily` once per simulated day, with a clock that starts each run at
08:00 UTC of that day.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import config as config_mod
from jobs.daily import OnStep, StepOutcome, run_daily
from sim import SimConfig, Simulator

MARKER = ".ghmc-demo"
"""A file that marks a folder as made by the demo (and so safe to wipe on the next demo)."""

Echo = Callable[[str], None]
"""Prints one line."""


class DemoClock:
    """A clock for the demo: simulated day at 08:00 UTC plus the real time elapsed since then."""

    def __init__(self, day: date) -> None:
        self._base = 0.0
        self._started = 0.0
        self.set_day(day)

    def set_day(self, day: date) -> None:
        """Move to 08:00 UTC of `day`."""
        self._base = datetime(day.year, day.month, day.day, 8, tzinfo=UTC).timestamp()
        self._started = time.monotonic()

    def __call__(self) -> float:
        return self._base + (time.monotonic() - self._started)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo made: its configuration and each day's step outcomes."""

    config_path: Path
    config: config_mod.Config
    days: tuple[tuple[StepOutcome, ...], ...]


def run_demo(
    workdir: Path,
    *,
    days: int = 3,
    seed: int = 7,
    scale: str = "small",
    echo: Echo = print,
    on_step: OnStep | None = None,
    extra_config: str = "",
) -> DemoResult:
    """Start the simulator and run the daily job for `days` simulated days ending today (UTC).

    `extra_config` is appended to the demo's config.toml (e.g. a `[billing]` table)."""
    prepare_dir(workdir)
    first_day = datetime.now(UTC).date() - timedelta(days=days - 1)
    clock = DemoClock(first_day)
    outcomes: list[tuple[StepOutcome, ...]] = []
    with Simulator(SimConfig(seed=seed, today=first_day, scale=scale, clock=clock)) as sim:
        for index, slug in enumerate(sim.enterprises):
            os.environ[f"GHMC_DEMO_TOKEN_{index}"] = sim.token(slug)
        config_path = workdir / "config.toml"
        config_path.write_text(config_text(sim) + extra_config, encoding="utf-8")
        cfg = config_mod.load(config_path)
        echo(f"simulator at {sim.base_url} ({scale}, seed {seed}); config {config_path}")
        for day_index in range(days):
            if day_index:
                sim.advance_day()
            clock.set_day(sim.today)
            echo(f"\n== daily run for simulated {sim.today.isoformat()} ==")
            steps = run_daily(cfg, today=sim.today, clock=clock, on_step=on_step)
            outcomes.append(tuple(steps))
    return DemoResult(config_path, cfg, tuple(outcomes))


def config_text(sim: Any) -> str:
    """The config.toml text for the simulated enterprises (tokens come from the environment)."""
    parts = ['data_dir = "data"', "history_days = 30", ""]
    for index, slug in enumerate(sim.enterprises):
        orgs = ", ".join(f'"{org}"' for org in sim.orgs(slug))
        parts += [
            "[[enterprises]]",
            f'id = "{slug}"',
            f'api_url = "{sim.base_url}"',
            f'token_env = "GHMC_DEMO_TOKEN_{index}"',
            f"orgs = [{orgs}]",
            "",
        ]
    parts += ["[export]", 'dir = "data/export"', 'onedrive_dir = "onedrive"', ""]
    parts += ["[backup]", 'dir = "data/backup"', ""]
    return "\n".join(parts)


def prepare_dir(workdir: Path) -> None:
    """Start from an empty demo folder; refuse to wipe a folder the demo did not make."""
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise config_mod.ConfigError(f"--dir {workdir}: not empty and not a ghmc demo folder")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by `ghmc demo`; removed by the next demo\n")


_SUMMARY = (
    ("DORA deployments (production)", "SELECT count(*) FROM dora_deployments"),
    ("PRs with a lead time", "SELECT count(*) FROM dora_changes WHERE lead_time_minutes >= 0"),
    ("lead time, mean monthly median (min)", "SELECT round(avg(lead_time_median_minutes), 1) "
     "FROM dora_metrics WHERE granularity = 'month'"),
    ("pull requests (velocity)", "SELECT count(*) FROM velocity_pull_requests"),
    ("Copilot days (enterprise scope)",
     "SELECT count(*) FROM copilot_daily_metrics WHERE scope = 'enterprise'"),
    ("Copilot seats (latest snapshot)", "SELECT count(*) FROM copilot_seats WHERE "
     "snapshot_day = (SELECT max(snapshot_day) FROM copilot_seats)"),
    ("premium-request rows", "SELECT count(*) FROM copilot_premium_requests"),
)  # fmt: skip


def summary(cfg: config_mod.Config) -> list[str]:
    """A few headline metrics from metrics.db, to show the numbers are there."""
    lines = []
    with closing(sqlite3.connect(f"file:{cfg.db_path}?mode=ro", uri=True)) as conn:
        for label, sql in _SUMMARY:
            try:
                value = conn.execute(sql).fetchone()[0]
            except sqlite3.Error as exc:
                value = f"n/a ({exc})"
            lines.append(f"  {label:<37} {value}")
    return lines
