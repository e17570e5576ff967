"""Day by day through `cli.py ingest`: a first run, then three simulated days of incremental runs.

The simulator and the ingest share one virtual clock; `cli.py ingest` runs in-process with that
clock injected into `run_ingest` (the command itself, its lock, output and exit code are real).
After every run the archive is checked against `sim.truth`.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from test_ingest_sim import archive_items, day_start, start_sim, write_config

import config as config_mod
import ingest
from archive import Event, kinds, read_events, verify_archive
from cli import main
from projections.definitions.activity.graphql import deployment_records, pull_request_records
from projections.definitions.activity.snapshot import Commit
from sim import Simulator
from testkit.clocks import VirtualClock

SIM_DAY = date(2026, 11, 25)
HISTORY_DAYS = 10
# The small world is dense: 10 of its 12 repos get new PRs, commits and runs every day, so the
# next-day runs measured 23-36 % 304s among their non-report requests, and a same-day rerun 81 %
# (the rest: each repo's run list, whose window moves from the backfill cutoff to the watermark's
# day once). What holds at every scale is that no request whose answer did not change is
# charged: see `unchanged_200s`.
MIN_304_SHARE_NEXT_DAY = 0.2
MIN_304_SHARE_SAME_DAY = 0.75


def cli_ingest(
    cfg_path: Path, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch, *args: str
) -> int:
    """Run `cli.py ingest` in-process on the virtual clock; return its exit code."""
    with monkeypatch.context() as m:
        m.setattr(
            ingest,
            "run_ingest",
            functools.partial(ingest.run_ingest, clock=clock, sleep=clock.sleep),
        )
        with pytest.raises(SystemExit) as exit_info:
            main(["--config", str(cfg_path), "ingest", *args])
    return int(exit_info.value.code or 0)


class Archive:
    """The 200 bodies of an archive, by kind, with the run each came from."""

    def __init__(self, raw_dir: Path) -> None:
        self.events = sorted(read_events(raw_dir), key=lambda e: e.seq)

    def bodies(self, kind: str) -> Iterator[tuple[Event, Any]]:
        for ev in self.events:
            if ev.kind == kind and ev.error is None and ev.response.get("status") == 200:
                raw = ev.body_bytes() or b""
                yield ev, (orjson.loads(raw) if raw and kind != kinds.COPILOT_REPORT_FILE else raw)

    def spend(self, ent: str, day: date) -> tuple[float, int]:
        """Gross premium-request quantity of the enterprise on `day` (newest fetch) and the
        number of usage items it is the sum of (each rounded to 0.01 by the API)."""
        latest: tuple[float, int] = (-1.0, 0)
        for ev, body in self.bodies(kinds.BILLING_PREMIUM_REQUEST_USAGE):
            q = ev.request.get("query", {})
            if ev.enterprise_id != ent or "organization" in q or "user" in q:
                continue
            if date(int(q["year"]), int(q["month"]), int(q["day"])) == day:
                items = body.get("usageItems", [])
                latest = (sum(i["grossQuantity"] for i in items), len(items))
        return latest

    def items(self, kind: str, key: str | None = None) -> Iterator[tuple[Event, dict[str, Any]]]:
        for ev, body in self.bodies(kind):
            data = body.get(key) if key else body
            for item in data or []:
                yield ev, item

    def latest_report_file(self, report_kind: str, day: str, ent: str) -> list[dict[str, Any]]:
        """The records of the newest download of an enterprise's report day (all its parts)."""
        by_report: dict[str, list[Event]] = defaultdict(list)
        for ev in self.events:
            if (
                ev.kind == kinds.COPILOT_REPORT_FILE
                and ev.enterprise_id == ent
                and ev.error is None
                and ev.refs.get("report_kind") == report_kind
                and ev.refs.get("report_day") == day
            ):
                by_report[str(ev.refs["report_event_id"])].append(ev)
        if not by_report:
            return []
        newest = max(by_report.values(), key=lambda evs: max(e.seq for e in evs))
        return [
            orjson.loads(line)
            for ev in sorted(newest, key=lambda e: e.refs["file_index"])
            for line in (ev.body_bytes() or b"").splitlines()
            if line.strip()
        ]


def graphql_statuses(arc: Archive) -> set[tuple[int, str, str | None]]:
    """(deployment id, state, created_at) of the statuses GraphQL answers hold."""
    out = set()
    for ev, body in arc.bodies(kinds.GRAPHQL_DEPLOYMENTS):
        ids = {k: v[0] for k, v in ev.refs["items"].items()}
        for key, st in deployment_records(body, ev.enterprise_id or "", ev.repo, ids):
            out.add((int(key[2]), st.state, st.created_at))
    return out


def graphql_commits(arc: Archive) -> set[str]:
    """SHAs of the PR commits GraphQL answers hold."""
    out = set()
    for ev, body in arc.bodies(kinds.GRAPHQL_PULL_REQUESTS):
        records = pull_request_records(body, ev.enterprise_id or "", ev.repo)
        out.update(r.sha for _k, r in records if isinstance(r, Commit))
    return out


def check_against_truth(
    sim: Simulator, cfg: config_mod.Config, first_day: date, history_days: int = HISTORY_DAYS
) -> None:
    """Everything the truth API says exists within the collected window is in the archive."""
    arc = Archive(cfg.raw_dir)
    today = sim.today
    start = first_day - timedelta(days=history_days)
    end = today - timedelta(days=1)
    pulls = {(ev.repo, p["number"]): p for ev, p in arc.items(kinds.REPO_PULLS)}
    statuses = {
        (int(ev.refs["deployment_id"]), s["state"], s["created_at"])
        for ev, s in arc.items(kinds.REPO_DEPLOYMENT_STATUSES)
    }
    statuses |= graphql_statuses(arc)
    runs = {
        (r["id"], r["conclusion"], r["updated_at"])
        for _ev, r in arc.items(kinds.REPO_WORKFLOW_RUNS, "workflow_runs")
        if r["status"] == "completed"
    }
    commits = {
        c["sha"] for k in (kinds.REPO_COMMITS, kinds.REPO_PULL_COMMITS) for _e, c in arc.items(k)
    }
    commits |= graphql_commits(arc)
    issues: dict[tuple[Any, int], set[Any]] = defaultdict(set)
    for ev, issue in arc.items(kinds.REPO_ISSUES):
        issues[(ev.repo, issue["number"])].add(issue.get("closed_at"))
    seats = {
        (ev.enterprise_id, s["assignee"]["login"])
        for ev, s in arc.items(kinds.COPILOT_SEATS_ENTERPRISE, "seats")
        if ev.fetched_at[:10] == today.isoformat()
    }
    window_start = day_start(start) - 8 * 3600
    for ent in sim.enterprises:
        for pr in sim.truth.pull_requests(ent, start, end):
            assert (pr.repo, pr.number) in pulls, pr
        for change in sim.truth.changes(ent, start, end):
            assert pulls[(change.repo, change.number)]["merged_at"] == change.merged_at, change
        for dep in sim.truth.deployments(ent, start, end):
            final = "success" if dep.succeeded else ("failure", "error")
            if dep.source == "deployment":
                assert any(
                    (dep.id, state, dep.deployed_at) in statuses
                    for state in ("success", "failure", "error")
                    if state in final
                ), dep
            else:
                assert any(
                    (dep.id, c, dep.deployed_at) in runs
                    for c in ("success", "failure")
                    if c in final
                ), dep
        for inc in sim.truth.incidents(ent, start, end):
            assert inc.closed_at in issues[(inc.repo, inc.number)], inc
        for repo in sim.state.world.enterprise_repos(ent):
            for mc, _ in sim.state.history.main_commits(repo, today):
                if window_start <= mc.landed_at:
                    assert mc.commit.sha in commits, (repo.full_name, mc)
        assert {(ent, s.login) for s in sim.truth.seats(ent)} <= seats
        day = start
        while day <= end:
            iso = day.isoformat()
            ent_file = arc.latest_report_file(kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, iso, ent)
            assert ent_file == [sim.truth.copilot_totals(ent, day)], (ent, iso)
            users = arc.latest_report_file(kinds.COPILOT_REPORT_USERS_1_DAY, iso, ent)
            assert sorted(u["user_login"] for u in users) == sorted(
                u["user_login"] for u in sim.truth.copilot_users(ent, day)
            ), (ent, iso)
            spend = sum(r.gross_quantity for r in sim.truth.spend(ent, day, day))
            archived, n_items = arc.spend(ent, day)
            assert abs(archived - spend) <= 0.005 * n_items + 1e-9, (ent, iso)
            day += timedelta(days=1)


def run_events(raw_dir: Path) -> dict[str, list[Event]]:
    """Request events (no run.* records) by run id."""
    out: dict[str, list[Event]] = defaultdict(list)
    for ev in read_events(raw_dir):
        if ev.request.get("url"):
            out[ev.run_id].append(ev)
    return out


def not_modified_share(events: list[Event]) -> float:
    """The share of 304s among the API requests that are not Copilot report fetches."""
    api = [e for e in events if not e.kind.startswith("copilot.report")]
    return sum(e.response.get("status") == 304 for e in api) / max(1, len(api))


def unchanged_200s(raw_dir: Path, run_ids: set[str]) -> list[str]:
    """URLs that a run answered with a 200 carrying the very body archived earlier for them
    (a conditional request would have got a free 304). Copilot report links are signed anew on
    every request, so those are asked unconditionally by design and left out."""
    bodies: dict[tuple[str, str], set[str]] = defaultdict(set)
    out = []
    for ev in read_events(raw_dir):
        if ev.error or ev.response.get("status") != 200 or not ev.request.get("url"):
            continue
        if ev.kind.startswith("copilot.report"):
            continue
        key = (str(ev.request["url"]), str(ev.request.get("credential")))
        if ev.run_id in run_ids and ev.body_sha256 in bodies[key]:
            out.append(key[0])
        bodies[key].add(ev.body_sha256)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("detail", ["rest", "graphql"])
def test_first_run_then_three_days_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, detail: str
) -> None:
    """Each day's `ingest` leaves the archive complete against the truth, archives no response
    twice within a run, and after the first day is mostly 304s."""
    clock = VirtualClock(day_start(SIM_DAY))
    sim = start_sim(clock)
    try:
        cfg, path, _env = write_config(
            sim, tmp_path / "inc", history_days=HISTORY_DAYS, detail=detail
        )
        seen_runs: set[str] = set()
        for day in range(4):
            if day:
                sim.advance_day(1)
                clock.now += 86400
            assert cli_ingest(path, clock, monkeypatch) == 0
            check_against_truth(sim, cfg, SIM_DAY)
            runs = {k: v for k, v in run_events(cfg.raw_dir).items() if k not in seen_runs}
            assert len(runs) == len(sim.enterprises)
            seen_runs |= set(runs)
            for events in runs.values():
                urls = Counter((e.request["url"], e.request.get("body")) for e in events)
                assert not [u for u, n in urls.items() if n > 1]
                if day:
                    share = not_modified_share(events)
                    assert share >= MIN_304_SHARE_NEXT_DAY, share
            assert not unchanged_200s(cfg.raw_dir, set(runs))
        clock.now += 3600  # the same day again: nothing changed, (almost) only 304s
        assert cli_ingest(path, clock, monkeypatch) == 0
        rerun = {k: v for k, v in run_events(cfg.raw_dir).items() if k not in seen_runs}
        for events in rerun.values():
            share = not_modified_share(events)
            assert share >= MIN_304_SHARE_SAME_DAY, share
        assert verify_archive(cfg.raw_dir).ok
        # A fresh backfill of the same window finds nothing the incremental archive lacks.
        fresh_cfg, fresh_path, _e = write_config(
            sim, tmp_path / "fresh", history_days=13, detail=detail
        )
        assert cli_ingest(fresh_path, clock, monkeypatch) == 0
        missing = archive_items(fresh_cfg.raw_dir) - archive_items(cfg.raw_dir)
        assert not {m for m in missing if not m[0].startswith(("billing.", "copilot."))}, sorted(
            missing
        )[:10]
    finally:
        sim.stop()
