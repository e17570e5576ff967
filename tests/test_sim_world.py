"""The generated world has the people and events the metrics need, and scales cheaply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim import SimConfig, Simulator
from sim.config import SCALES
from sim.shapes.delivery import run_view
from sim.world import build_world
from testkit.simclient import fetch, fetch_all

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small simulator."""
    with Simulator(SimConfig(seed=1, today=TODAY)) as s:
        yield s


def _all_prs(sim: Simulator) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for ent in sim.enterprises:
        for repo in sim.state.world.enterprise_repos(ent):
            out += fetch_all(
                f"{sim.base_url}/repos/{repo.full_name}/pulls?state=all&per_page=100",
                sim.token(ent),
            )
    return out


def test_small_scale_shape(sim: Simulator) -> None:
    """Two enterprises with two orgs each, a few repos per org, about twenty people, 30 days."""
    world = sim.state.world
    assert len(sim.enterprises) == 2
    assert all(len(sim.orgs(e)) == 2 for e in sim.enterprises)
    assert 8 <= len(world.repos) <= 16
    assert 16 <= sum(1 for u in world.users.values() if u.kind == "human") <= 30
    assert world.first_day == TODAY - dt.timedelta(days=30)


def test_authors_include_humans_bots_and_copilot(sim: Simulator) -> None:
    """PR authors are Users, `dependabot[bot]` (Bot) and `Copilot` (Bot)."""
    authors = {(p["user"]["login"], p["user"]["type"]) for p in _all_prs(sim)}  # type: ignore[index]
    assert ("dependabot[bot]", "Bot") in authors
    assert ("Copilot", "Bot") in authors
    assert any(kind == "User" for _, kind in authors)


def test_pull_request_histories_are_realistic(sim: Simulator) -> None:
    """First commits precede creation; drafts turn ready; reverts say 'Revert "…"'; some open."""
    st = sim.state
    prs = [pr for repo in st.world.repos.values() for pr in st.history.prs(repo, st.today)]
    assert all(
        min(c.authored_at for c in pr.commits) <= pr.created_at for pr in prs if pr.kind == "human"
    )
    assert any(pr.ready_at is not None and pr.ready_at > pr.created_at for pr in prs)
    reverts = [pr for pr in prs if pr.kind == "revert"]
    assert reverts
    assert all(pr.title.startswith('Revert "') and pr.title.endswith('"') for pr in reverts)
    assert {pr.merge_method for pr in prs} == {"squash", "merge"}
    assert any(pr.merged_at is None and pr.closed_at is None for pr in prs)


def test_delivery_events_exist(sim: Simulator) -> None:
    """A `deploy` workflow on main, re-runs, in-progress runs, and deployments going inactive."""
    st = sim.state
    runs = [run for repo in st.world.repos.values() for run, _ in st.history.runs(repo, st.today)]
    assert any(r.workflow == "deploy" and r.head_branch == "main" for r in runs)
    assert any(len(r.attempts) > 1 for r in runs)
    in_progress = [r for r in runs if run_view(r, st.now)[0] == "in_progress"]
    assert in_progress
    assert all(run_view(r, st.now + 86_400)[0] == "completed" for r in in_progress)
    states = {
        s
        for repo in st.world.repos.values()
        for d in st.history.deployments(repo, st.today)
        for s, _ in st.history.statuses(d, st.today)
    }
    assert {"success", "failure", "inactive"} <= states
    envs = {
        d.environment
        for repo in st.world.repos.values()
        for d in st.history.deployments(repo, st.today)
    }
    assert envs == {"production", "staging"}


def test_only_non_production_deployments_turn_inactive(sim: Simulator) -> None:
    """Like GitHub's default `auto_inactive`: a superseded successful staging deployment gets an
    `inactive` status; a production deployment keeps its final status."""
    st = sim.state
    inactive_envs = {
        d.environment
        for repo in st.world.repos.values()
        for d in st.history.deployments(repo, st.today)
        if any(s == "inactive" for s, _ in st.history.statuses(d, st.today))
    }
    assert inactive_envs == {"staging"}


def test_issues_include_incidents_and_prs(sim: Simulator) -> None:
    """/issues returns incident issues, ordinary issues and PRs (with a `pull_request` key)."""
    ent = sim.enterprises[0]
    items = []
    for repo in sim.state.world.enterprise_repos(ent):
        items += fetch_all(
            f"{sim.base_url}/repos/{repo.full_name}/issues?state=all&per_page=100", sim.token(ent)
        )
    labels = {label["name"] for item in items for label in item["labels"]}
    assert "incident" in labels
    assert any("pull_request" in item for item in items)
    assert any(
        "pull_request" not in item and "incident" not in str(item["labels"]) for item in items
    )


def test_seats_include_never_active(sim: Simulator) -> None:
    """Some seats were never used (last_activity_at null)."""
    ent = sim.enterprises[0]
    seats = fetch(f"{sim.base_url}/enterprises/{ent}/copilot/billing/seats", sim.token(ent)).json()
    assert seats["total_seats"] == len(seats["seats"])
    assert any(s["last_activity_at"] is None for s in seats["seats"])
    assert any(s["last_activity_at"] for s in seats["seats"])


def test_large_scale_world_has_its_size() -> None:
    """`large` is 2 × 1,000 repos and ~2,000 users (start time and memory: bench/sim_bench.py)."""
    world = build_world(1, SCALES["large"], dt.date(2025, 11, 25))
    assert len(world.repos) == 2000
    assert len(world.users) >= 2000
    assert len(world.enterprises) == 2
    assert all(len(world.enterprise_repos(e)) == 1000 for e in world.enterprises)
