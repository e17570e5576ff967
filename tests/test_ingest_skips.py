"""Requests an incremental run leaves out: final deployment statuses, commits of unpushed repos."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from test_ingest_days import check_against_truth
from test_ingest_sim import day_start, ingest, start_sim, write_config

from archive import kinds, read_events
from ingest.collectors import commits, deployments
from ingest.plan import PlanIndex
from sim import Simulator
from testkit.clocks import VirtualClock
from testkit.simclient import fetch_all

SIM_DAY = date(2026, 11, 25)
STATUSES = re.compile(r"^/repos/([^/]+/[^/]+)/deployments/(\d+)/statuses$")
COMMITS = re.compile(r"^/repos/([^/]+/[^/]+)/commits$")


def fake_ctx(index: PlanIndex, pushed_at: dict[str, str] | None = None) -> Any:
    """The few Ctx attributes the skip decisions read."""
    return SimpleNamespace(
        cfg=SimpleNamespace(dora=SimpleNamespace(production_environments=("production", "prod*"))),
        index=index,
        today=SIM_DAY,
        pushed_at=pushed_at or {},
        history_cutoff=lambda: "2026-11-15T00:00:00Z",
    )


def test_final_deployment_statuses_are_not_reread() -> None:
    """Only production deployments without a final status (or without any stored status) are
    re-read."""
    index = PlanIndex()
    repo = "o/r"
    states = {1: "success", 2: "failure", 3: "error", 4: "inactive", 5: "in_progress", 6: ""}
    for dep_id, state in states.items():
        index.deployments[repo][dep_id] = ("2026-11-24T10:00:00Z", "production")
        index.deployment_state[(repo, dep_id)] = state
    index.deployments[repo][7] = ("2026-11-24T11:00:00Z", "Prod-EU")  # statuses never stored
    index.deployments[repo][8] = ("2026-11-01T11:00:00Z", "production")  # pending, too old
    index.deployment_state[(repo, 8)] = "pending"
    index.deployments[repo][9] = ("2026-11-24T11:00:00Z", "staging")  # not production
    index.deployment_state[(repo, 9)] = "in_progress"
    index.deployments[repo][10] = ("2026-11-24T11:00:00Z", "staging")
    assert sorted(deployments.recheck(fake_ctx(index), repo)) == [5, 6, 7]


def test_commits_skip_needs_an_unchanged_pushed_at_from_this_run() -> None:
    """A repo is skipped only when this run's org list shows the pushed_at of its last walk."""
    index = PlanIndex()
    index.commits_pushed["o/r"] = "2026-11-24T10:00:00Z"
    assert commits.unchanged(fake_ctx(index, {"o/r": "2026-11-24T10:00:00Z"}), "o/r")
    assert not commits.unchanged(fake_ctx(index, {"o/r": "2026-11-24T12:00:00Z"}), "o/r")
    assert not commits.unchanged(fake_ctx(index), "o/r")  # the org list failed this run
    assert not commits.unchanged(fake_ctx(index, {"o/x": "2026-11-24T10:00:00Z"}), "o/x")


def pushed_at(sim: Simulator) -> dict[str, str]:
    """pushed_at of every repo as the org lists serve it now."""
    out = {}
    for ent in sim.enterprises:
        for org in sim.orgs(ent):
            for repo in fetch_all(f"{sim.base_url}/orgs/{org}/repos?per_page=100", sim.token(ent)):
                out[repo["full_name"]] = repo["pushed_at"]
    return out


def final_states(raw_dir: Path) -> dict[int, str]:
    """Latest archived status per deployment id."""
    latest: dict[int, tuple[str, str]] = {}
    for ev in read_events(raw_dir, kinds=frozenset({kinds.REPO_DEPLOYMENT_STATUSES})):
        if ev.response.get("status") != 200:
            continue
        for s in orjson.loads(ev.body_bytes() or b"[]"):
            dep = int(ev.refs["deployment_id"])
            if s["created_at"] >= latest.get(dep, ("", ""))[0]:
                latest[dep] = (s["created_at"], s["state"])
    return {dep: state for dep, (_t, state) in latest.items()}


def environments(raw_dir: Path) -> dict[int, str]:
    """Environment of every archived deployment."""
    return {
        d["id"]: d["environment"]
        for ev in read_events(raw_dir, kinds=frozenset({kinds.REPO_DEPLOYMENTS}))
        if ev.response.get("status") == 200
        for d in orjson.loads(ev.body_bytes() or b"[]")
    }


def test_next_day_skips_final_statuses_and_unpushed_repos(tmp_path: Path) -> None:
    """The next day reads statuses only of new production deployments and commits only of
    pushed repos, and the archive is still complete against the truth."""
    clock = VirtualClock(day_start(SIM_DAY))
    sim = start_sim(clock)
    try:
        cfg, _path, _env = write_config(sim, tmp_path, history_days=7)
        assert ingest(cfg, clock).status == "ok"
        before_push = pushed_at(sim)
        known = final_states(cfg.raw_dir)
        assert known and set(known.values()) <= {"success", "failure", "error", "inactive"}
        sim.advance_day(1)
        clock.now += 86400
        sim.clear_log()
        assert ingest(cfg, clock).status == "ok"
        log = [e for e in sim.request_log if e.server == "api"]
        reread = {int(m[2]) for e in log if (m := STATUSES.match(e.path))}
        assert reread, "the day brought new deployments"
        assert not reread & set(known)
        assert set(final_states(cfg.raw_dir)) - set(known) == reread
        envs = environments(cfg.raw_dir)
        assert {envs[d] for d in reread} == {"production"}
        assert {envs[d] for d in known} == {"production"}
        assert "staging" in envs.values()
        after_push = pushed_at(sim)
        walked = {m[1] for e in log if (m := COMMITS.match(e.path))}
        moved = {repo for repo, t in after_push.items() if before_push.get(repo) != t}
        assert walked == moved
        assert set(after_push) - moved, "some repo saw no push"
        check_against_truth(sim, cfg, SIM_DAY, history_days=7)
    finally:
        sim.stop()


def test_production_environments_match_like_the_dora_projection() -> None:
    """Case-insensitive globs; a deployment without an environment is GitHub's `production`."""
    globs = ("production", "prod-*")
    assert deployments.is_production("Production", globs)
    assert deployments.is_production("PROD-eu", globs)
    assert deployments.is_production("", globs)
    assert not deployments.is_production("staging", globs)
    assert not deployments.is_production("preproduction", globs)
