"""Benchmark of ingest against the simulator: first run, next-day run, naive re-pull.

Usage (from the repository root):

    python bench/ingest_bench.py --scale large --latency-ms 2 [--repos GLOB] [--history-days D]
        [--runs first,next,naive] [--detail graphql|rest] [--keep-dir DIR]

Three measurements on the same simulator in the same process:
1. first run into a fresh archive (day 0);
2. the next day's incremental run into the same archive (day 1);
3. a naive re-pull of everything on day 1: the same collectors into a fresh archive, so no ETags
   and no watermarks (what a collector without conditional requests or watermarks does every day).

Time is "simulated": real elapsed time plus the waits the client asked for (rate-limit pacing),
which are not slept but added to a virtual clock shared with the simulator's rate limiter.
`--runs first` measures only the first run (e.g. a long backfill window). Each measurement also
prints the load average (the machine may be shared) and the charged requests per endpoint family.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import config as config_mod  # noqa: E402
from ingest import run_ingest  # noqa: E402
from sim import FaultConfig, SimConfig, Simulator  # noqa: E402
from testkit.simconfig import write_sim_config  # noqa: E402

_FAMILY = re.compile(
    r"^/(?:repos|repositories)/[^/]+(?:/[^/]+)?/(pulls/\d+/\w+|pulls/\d+|pulls|commits"
    r"|actions/runs|deployments/\d+/statuses|deployments|releases|issues)"
)


def family(path: str) -> str:
    """The endpoint family of a request path, for the charged-requests breakdown."""
    m = _FAMILY.match(path)
    if m:
        return re.sub(r"\d+", "{n}", m.group(1))
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:1] + parts[2:4]) if parts else path


def load() -> str:
    """The 1/5/15-minute load average."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class HybridClock:
    """Wall time plus a virtual offset: waits advance the offset instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.base = start - time.time()
        self.waited = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self.base

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.base += max(0.0, seconds)
            self.waited += max(0.0, seconds)


@dataclass
class Measure:
    """One run's figures."""

    name: str
    requests: int
    charged: int
    not_modified: int
    events: int
    wall_s: float
    waited_s: float
    sim_charged: int
    gql_queries: int = 0
    gql_points: int = 0
    per_token: str = ""

    def row(self) -> str:
        return (
            f"| {self.name} | {self.requests} | {self.charged} | {self.sim_charged} | "
            f"{self.not_modified} | {self.events} | {self.wall_s:.1f} | "
            f"{self.wall_s + self.waited_s:.1f} | {self.waited_s:.1f} | {self.per_token} | "
            f"{self.gql_queries} | {self.gql_points} |"
        )


def make_config(
    sim: Simulator, data_dir: Path, history_days: int, repos: list[str], detail: str = "graphql"
) -> Any:
    path, env = write_sim_config(
        sim,
        data_dir.parent / f"{data_dir.name}-config",
        env_prefix="GHMC_BENCH_TOKEN_",
        history_days=history_days,
        data_dir=data_dir,
        repos=repos,
        extra=f'\n[ingest]\ndetail = "{detail}"\n',
    )
    os.environ.update(env)
    return config_mod.load(path)


def measure(name: str, sim: Simulator, cfg: Any, clock: HybridClock) -> Measure:
    log_before = len(sim.request_log)
    waited_before = clock.waited
    t0 = time.perf_counter()
    repos: dict[str, int] = {}

    def progress(enterprise_id: str, **fields: Any) -> None:
        if fields.get("repos_total"):
            repos[enterprise_id] = int(fields["repos_total"])

    result = run_ingest(cfg, clock=clock, sleep=clock.sleep, progress=progress)
    wall = time.perf_counter() - t0
    entries = sim.request_log[log_before:]
    runs = result.runs
    m = Measure(
        name=name,
        requests=sum(r.requests for r in runs),
        charged=sum(r.charged for r in runs),
        not_modified=sum(r.not_modified for r in runs),
        events=sum(r.events for r in runs),
        wall_s=wall,
        waited_s=clock.waited - waited_before,
        sim_charged=sum(1 for e in entries if e.charged),
        gql_queries=sum(r.graphql_queries for r in runs),
        gql_points=sum(r.graphql_points for r in runs),
        per_token=" / ".join(str(r.charged) for r in runs),
    )
    print(f"{name}: status={result.status} repos={sum(repos.values())} {m.row()}", flush=True)
    print(f"    load average {load()}")
    for r in runs:
        low = r.rate_limit_remaining_min
        print(
            f"    {r.enterprise_id}: charged {r.charged}, rate limit low {low}, GraphQL "
            f"{r.graphql_queries} queries / {r.graphql_points} points, waited "
            f"{r.rate_limit_waited_s:.0f} s (GraphQL {r.graphql_waited_s:.0f} s)"
        )
    per_family = Counter(family(e.path) for e in entries if e.charged)
    print("    charged by family:", ", ".join(f"{k} {v}" for k, v in per_family.most_common()))
    for line in result.lines()[len(runs) :][:5]:
        print("   ", line)
    return m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--latency-ms", type=int, default=2)
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--repos", default="*", help="repo glob (a subset for quick runs)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", default="first,next,naive", help="which measurements")
    parser.add_argument("--next-days", type=int, default=1, help="incremental days to measure")
    parser.add_argument(
        "--detail",
        default="graphql",
        choices=("graphql", "rest"),
        help="per-item detail path ([ingest] detail)",
    )
    parser.add_argument(
        "--keep-dir", default=None, help="keep the data here (e.g. for projection_bench)"
    )
    args = parser.parse_args()
    wanted = set(args.runs.split(","))
    print(f"load average at start {load()}", flush=True)
    today = date(2026, 11, 25)
    clock = HybridClock(datetime(2026, 11, 25, 8, 0, tzinfo=UTC).timestamp())
    sim = Simulator(
        SimConfig(
            seed=args.seed,
            today=today,
            scale=args.scale,
            faults=FaultConfig(),
            latency_ms=args.latency_ms,
            clock=clock,
        )
    )
    sim.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(args.keep_dir) if args.keep_dir else Path(tmp)
            cfg = make_config(sim, base / "data", args.history_days, [args.repos], args.detail)
            done = [measure("first run (day 0)", sim, cfg, clock)]
            days = args.next_days if "next" in wanted else int("naive" in wanted)
            for day in range(1, days + 1):
                sim.advance_day(1)
                clock.base += 86400
                if "next" in wanted:
                    done.append(measure(f"next-day run (day {day})", sim, cfg, clock))
            if "naive" in wanted:
                naive_cfg = make_config(
                    sim, base / "naive", args.history_days, [args.repos], args.detail
                )
                label = f"naive re-pull (day {(sim.today - today).days})"
                done.append(measure(label, sim, naive_cfg, clock))
    finally:
        sim.stop()
    print()
    print(
        f"scale={args.scale} latency_ms={args.latency_ms} history_days={args.history_days} "
        f"repos={args.repos!r} enterprises={len(cfg.enterprises)} detail={args.detail}"
    )
    print(
        "| run | requests sent | charged (ghmc) | charged (sim) | 304s | events | wall s | "
        "simulated s | waited s | charged per token | GraphQL queries | GraphQL points |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for m in done:
        print(m.row())
    if "next" in wanted and "naive" in wanted:
        ratio = done[-1].sim_charged / max(1, done[-2].sim_charged)
        print(f"\nnext-day charged vs naive: {ratio:.1f}x fewer")
    print(f"load average at end {load()}")


if __name__ == "__main__":
    main()
