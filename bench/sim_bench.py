"""Simulator benchmark: start-up time and memory at `large` scale, plus a few request timings.

Run: `python bench/sim_bench.py` (from the repository root). Each measurement runs in a fresh
subprocess so the figures are those of a cold start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_LIMIT_S = 10.0
RSS_LIMIT_MB = 300.0

CHILD = r"""
import datetime, json, resource, time
t0 = time.perf_counter()
from sim import SimConfig, Simulator
from testkit.simclient import fetch
sim = Simulator(SimConfig(seed=1, today=datetime.date(2026, 11, 25), scale="{scale}")).start()
start_s = time.perf_counter() - t0
rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
ent = sim.enterprises[0]
tok = sim.token(ent)
org = sim.orgs(ent)[0]
repo = sim.state.world.repos_by_org[org][0].full_name
timings = {{}}
day = "day=2026-11-20"
reports = "copilot/metrics/reports"
for name, path in (
    ("org_repos_first_page", f"/orgs/{{org}}/repos?per_page=100"),
    ("pulls_all_first", f"/repos/{{repo}}/pulls?state=all&per_page=100"),
    ("pulls_all_cached", f"/repos/{{repo}}/pulls?state=all&per_page=100"),
    ("runs_first", f"/repos/{{repo}}/actions/runs?per_page=100"),
    ("enterprise_report_link", f"/enterprises/{{ent}}/{{reports}}/enterprise-1-day?{{day}}"),
    ("users_report_link", f"/enterprises/{{ent}}/{{reports}}/users-1-day?{{day}}"),
    ("enterprise_seats_page", f"/enterprises/{{ent}}/copilot/billing/seats?per_page=100"),
    ("premium_usage_month", f"/enterprises/{{ent}}/settings/billing/premium_request/usage"),
):
    t = time.perf_counter()
    status = fetch(sim.base_url + path, tok).status
    timings[name] = [status, round((time.perf_counter() - t) * 1000, 1)]
sim.stop()
world = sim.state.world
print(json.dumps({{
    "scale": "{scale}", "start_s": round(start_s, 3), "rss_after_start_mb": round(rss_start, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "enterprises": len(world.enterprises), "orgs": len(world.orgs), "repos": len(world.repos),
    "users": len(world.users), "days": world.scale.days, "request_ms": timings,
}}))
"""


def measure(scale: str) -> dict[str, object]:
    """Start a simulator of the given scale in a subprocess and return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(scale=scale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> int:
    """Print the figures; exit 1 if `large` misses its start-up budget."""
    ok = True
    for scale in ("small", "medium", "large"):
        figures = measure(scale)
        print(json.dumps(figures, indent=None))
        if scale == "large":
            ok = (
                float(figures["start_s"]) < START_LIMIT_S
                and float(figures["rss_after_start_mb"]) < RSS_LIMIT_MB
            )  # type: ignore[arg-type]
            print(
                f"large: start {figures['start_s']} s (< {START_LIMIT_S}), RSS after start "
                f"{figures['rss_after_start_mb']} MB (< {RSS_LIMIT_MB}): {'OK' if ok else 'FAIL'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
