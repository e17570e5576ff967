"""The truth API agrees with what the endpoints serve (truths recomputed from responses)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from sim import SimConfig, Simulator
from testkit.simclient import fetch, fetch_all

START, END = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small simulator."""
    with Simulator(SimConfig(seed=9, today=dt.date(2026, 11, 25))) as s:
        yield s


def _get(sim: Simulator, path: str) -> Any:
    return fetch(sim.base_url + path, sim.token(sim.enterprises[0])).json()


def _all(sim: Simulator, path: str) -> list[Any]:
    return fetch_all(sim.base_url + path, sim.token(sim.enterprises[0]))


def test_production_deployments_match(sim: Simulator) -> None:
    """Final production deployment statuses and completed `deploy` runs on main equal the truth."""
    ent = sim.enterprises[0]
    served = set()
    for repo in sim.state.world.enterprise_repos(ent):
        base = f"/repos/{repo.full_name}"
        for dep in _all(sim, f"{base}/deployments?environment=production&per_page=100"):
            statuses = [
                s
                for s in _all(sim, f"{base}/deployments/{dep['id']}/statuses")
                if s["state"] != "inactive"
            ]
            final = statuses[0]
            if final["state"] in ("success", "failure", "error"):
                served.add(
                    (
                        repo.full_name,
                        "deployment",
                        dep["id"],
                        dep["sha"],
                        final["created_at"],
                        final["state"] == "success",
                    )
                )
        for run in _all(sim, f"{base}/actions/runs?branch=main&per_page=100"):
            if run["name"] == "deploy" and run["status"] == "completed":
                served.add(
                    (
                        repo.full_name,
                        "workflow_run",
                        run["id"],
                        run["head_sha"],
                        run["updated_at"],
                        run["conclusion"] == "success",
                    )
                )
    truth = {
        (d.repo, d.source, d.id, d.sha, d.deployed_at, d.succeeded)
        for d in sim.truth.deployments(ent, dt.date(2020, 1, 1), END)
    }
    assert served == truth
    assert {s[1] for s in served} == {"deployment", "workflow_run"}


def test_pull_request_stage_times_match(sim: Simulator) -> None:
    """First commit, first human non-author review, merge and size from the API equal the truth."""
    ent = sim.enterprises[0]
    truth = {(p.repo, p.number): p for p in sim.truth.pull_requests(ent, START, END)}
    repo = sim.state.world.enterprise_repos(ent)[0]
    base = f"/repos/{repo.full_name}"
    checked = 0
    for pr in _all(sim, f"{base}/pulls?state=all&per_page=100"):
        want = truth.get((repo.full_name, pr["number"]))
        if want is None:
            continue
        reviews = _all(sim, f"{base}/pulls/{pr['number']}/reviews")
        human = [
            r
            for r in reviews
            if r["user"]["type"] == "User" and r["user"]["login"] != pr["user"]["login"]
        ]
        commits = _all(sim, f"{base}/pulls/{pr['number']}/commits")
        detail = _get(sim, f"{base}/pulls/{pr['number']}")
        assert (human[0]["submitted_at"] if human else None) == want.first_review_at
        assert min(c["commit"]["author"]["date"] for c in commits) == want.first_commit_at
        assert pr["merged_at"] == want.merged_at
        assert (detail["additions"], detail["deletions"], detail["commits"]) == (
            want.additions,
            want.deletions,
            want.commits,
        )
        checked += 1
    assert checked > 10
    kinds = {p.author_kind for p in truth.values()}
    assert kinds == {"human", "bot", "copilot"}


def test_lead_time_anchor_is_a_served_deployment(sim: Simulator) -> None:
    """Each change's deployment is a successful production deployment at or after the merge."""
    ent = sim.enterprises[0]
    deployments = {(d.repo, d.id): d for d in sim.truth.deployments(ent, dt.date(2020, 1, 1), END)}
    changes = sim.truth.changes(ent, START, END)
    assert any(c.deployment_id for c in changes)
    for change in changes:
        if change.deployment_id is not None:
            dep = deployments[(change.repo, change.deployment_id)]
            assert dep.succeeded
            assert (
                change.deployed_at == dep.deployed_at >= change.merged_at >= change.first_commit_at
            )


def test_incidents_match(sim: Simulator) -> None:
    """Issues labelled incident (PRs skipped) equal the truth's incidents."""
    ent = sim.enterprises[0]
    served = set()
    for repo in sim.state.world.enterprise_repos(ent):
        for item in _all(
            sim, f"/repos/{repo.full_name}/issues?labels=incident&state=all&per_page=100"
        ):
            if "pull_request" not in item:
                served.add((repo.full_name, item["number"], item["created_at"], item["closed_at"]))
    truth = {
        (i.repo, i.number, i.opened_at, i.closed_at)
        for i in sim.truth.incidents(ent, dt.date(2020, 1, 1), END)
    }
    assert served == truth
    assert served


def _records(sim: Simulator, path: str) -> list[dict[str, Any]]:
    links = _get(sim, path)["download_links"]
    return [json.loads(line) for link in links for line in fetch(link).body.splitlines()]


def test_copilot_totals_match(sim: Simulator) -> None:
    """The enterprise-1-day record equals the truth; its totals are the sums of the user records."""
    ent = sim.enterprises[0]
    day = dt.date(2026, 11, 18)
    (record,) = _records(
        sim, f"/enterprises/{ent}/copilot/metrics/reports/enterprise-1-day?day={day}"
    )
    assert record == sim.truth.copilot_totals(ent, day)
    users = _records(sim, f"/enterprises/{ent}/copilot/metrics/reports/users-1-day?day={day}")
    assert users == sim.truth.copilot_users(ent, day)
    assert record["daily_active_users"] == len(users)
    for key in (
        "code_generation_activity_count",
        "code_acceptance_activity_count",
        "loc_added_sum",
    ):
        assert record[key] == sum(u[key] for u in users)


def test_seats_match(sim: Simulator) -> None:
    """Seat last activity from the enterprise seat list equals the truth (some never active)."""
    ent = sim.enterprises[0]
    served = {
        s["assignee"]["login"]: s["last_activity_at"]
        for s in _all(sim, f"/enterprises/{ent}/copilot/billing/seats")
    }
    truth = {s.login: s.last_activity_at for s in sim.truth.seats(ent)}
    assert served == truth
    assert None in truth.values()


def test_spend_matches(sim: Simulator) -> None:
    """Per-day usage reports sum to the truth's per-(user, model) rows."""
    ent = sim.enterprises[0]
    for source in ("premium_request", "ai_credit"):
        for day in (dt.date(2026, 11, 3), dt.date(2026, 11, 20)):
            body = _get(
                sim,
                f"/enterprises/{ent}/settings/billing/{source}/usage?year=2026&month=11&day={day.day}",
            )
            rows = sim.truth.spend(ent, day, day, source)
            for item in body["usageItems"]:
                mine = [r for r in rows if r.model == item["model"]]
                assert item["grossQuantity"] == pytest.approx(sum(r.gross_quantity for r in mine))
                assert item["netAmount"] == pytest.approx(sum(r.net_amount for r in mine), abs=1e-3)
            assert {i["model"] for i in body["usageItems"]} == {r.model for r in rows}
