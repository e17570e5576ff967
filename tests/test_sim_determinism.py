"""Same seed and day: byte-identical answers; advancing a day leaves closed history unchanged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sim import SimConfig, Simulator
from testkit.clocks import VirtualClock
from testkit.simclient import fetch, fetch_all

TODAY = dt.date(2026, 11, 25)


def _paths(sim: Simulator) -> list[str]:
    ent = sim.enterprises[0]
    org = sim.orgs(ent)[0]
    first = sim.state.world.repos_by_org[org][0]
    repo = first.full_name
    number = sim.state.history.prs(first, sim.today)[3].number
    return [
        f"/orgs/{org}/repos",
        f"/repos/{repo}/pulls?state=all&per_page=100",
        f"/repos/{repo}/pulls/{number}",
        f"/repos/{repo}/commits?per_page=100",
        f"/repos/{repo}/actions/runs?per_page=100",
        f"/repos/{repo}/deployments?per_page=100",
        f"/repos/{repo}/issues?state=all&per_page=100",
        f"/repos/{repo}/releases",
        f"/orgs/{org}/copilot/billing/seats",
        f"/enterprises/{ent}/settings/billing/premium_request/usage",
        f"/enterprises/{ent}/copilot/metrics/reports/users-1-day?day=2026-11-20",
    ]


def _bodies(sim: Simulator) -> list[bytes]:
    tok = sim.token(sim.enterprises[0])
    out = []
    for path in _paths(sim):
        body = fetch(sim.base_url + path, tok).body
        body = body.replace(sim.base_url.encode(), b"API").replace(
            sim.download_base_url.encode(), b"DL"
        )
        out.append(body)
    return out


def test_same_seed_same_day_gives_identical_bytes() -> None:
    """Two simulators with the same configuration answer byte for byte the same (ports aside)."""
    clock = VirtualClock()  # never moved, so signed links are reproducible
    config = SimConfig(seed=11, today=TODAY, clock=clock)
    with Simulator(config) as a, Simulator(config) as b:
        assert _bodies(a) == _bodies(b)
        assert a.token(a.enterprises[0]) == b.token(b.enterprises[0])


def test_different_seeds_differ() -> None:
    """Another seed gives another world."""
    with (
        Simulator(SimConfig(seed=11, today=TODAY)) as a,
        Simulator(SimConfig(seed=12, today=TODAY)) as b,
    ):
        assert _bodies(a)[1] != _bodies(b)[1]


def _closed(sim: Simulator) -> dict[str, Any]:
    tok = sim.token(sim.enterprises[0])
    out: dict[str, Any] = {}
    for repo in sim.state.world.enterprise_repos(sim.enterprises[0]):
        base = f"{sim.base_url}/repos/{repo.full_name}"
        pulls = fetch_all(f"{base}/pulls?state=closed&per_page=100&sort=created", tok)
        out[f"{repo.full_name} pulls"] = {
            p["number"]: (p["merged_at"], p["closed_at"], p["updated_at"]) for p in pulls
        }
        runs = fetch_all(f"{base}/actions/runs?per_page=100&status=completed", tok)
        out[f"{repo.full_name} runs"] = {
            r["id"]: (r["conclusion"], r["updated_at"], r["run_attempt"])
            for r in runs
            if r["run_attempt"] > 1 or r["conclusion"] == "success"
        }
        issues = fetch_all(f"{base}/issues?state=closed&per_page=100", tok)
        out[f"{repo.full_name} issues"] = {i["number"]: i["closed_at"] for i in issues}
    return out


def test_advancing_a_day_leaves_closed_history_unchanged() -> None:
    """Closed PRs, finished runs and closed issues stay as they were; new items only add."""
    with Simulator(SimConfig(seed=3, today=TODAY)) as sim:
        before = _closed(sim)
        sim.advance_day()
        assert sim.today == TODAY + dt.timedelta(days=1)
        after = _closed(sim)
    for key, items in before.items():
        for ident, value in items.items():
            if "runs" in key and value[0] != "success":
                continue  # a failed run may still be re-run
            assert after[key][ident] == value, (key, ident)


def _report(sim: Simulator, day: str) -> list[dict[str, Any]]:
    ent = sim.enterprises[0]
    reply = fetch(
        f"{sim.base_url}/enterprises/{ent}/copilot/metrics/reports/users-1-day?day={day}",
        sim.token(ent),
    )
    return [
        json.loads(line)
        for link in reply.json()["download_links"]
        for line in fetch(link).body.splitlines()
    ]


def test_copilot_reports_are_revised_only_for_the_last_two_days() -> None:
    """A report 3+ days back never changes; a recent day's report gains late users later."""
    with Simulator(SimConfig(seed=3, today=TODAY)) as sim:
        old_before = _report(sim, "2026-11-18")
        recent = {d: _report(sim, d) for d in ("2026-11-23", "2026-11-24")}
        sim.advance_day(2)
        assert _report(sim, "2026-11-18") == old_before
        revised = {d: _report(sim, d) for d in recent}
    assert any(len(revised[d]) > len(recent[d]) for d in recent)
    for day, records in recent.items():
        logins = {r["user_login"] for r in revised[day]}
        assert {r["user_login"] for r in records} <= logins
