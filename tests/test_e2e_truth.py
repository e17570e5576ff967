"""End to end against the simulator: ingest → project → metrics.db equals `sim.truth`, row by row.

One simulated world (2 enterprises, scale `small`) grows for 90 days; ghmc backfills it in a first
run, then runs daily (as `cli.py daily` does) for a few more simulated days on a shared virtual
clock. metrics.db is then compared with the simulator's truth API, one table family per test.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import config as config_mod
import projections
import sim.server
from ingest import run_ingest
from sim import SimConfig, Simulator
from sim.truth import ChangeTruth, DeploymentTruth, DoraIncidentTruth, PullTruth, SeatTruth
from testkit.clocks import VirtualClock
from testkit.simconfig import write_sim_config

# The simulator's handler writes headers and body separately; with Nagle on, every answer waits
# for the client's delayed ACK (~40 ms). Until sim/ sets this itself, switch Nagle off here.
sim.server._Base.disable_nagle_algorithm = True

pytestmark = pytest.mark.slow

FIRST_TODAY = dt.date(2026, 9, 1)  # the world starts 30 days earlier (scale small)
GROWN_DAYS = 60  # simulated days before ghmc's first run: ~3 months of history in the backfill
DAILY_RUNS = 2  # then the daily job on the following days
HISTORY_DAYS = 120  # first-run backfill reaches back before the world's first day


@dataclass
class Run:
    """The simulator after the last run, metrics.db, and what the truth said on each run day."""

    sim: Simulator
    db: Path
    first_day: dt.date
    last_day: dt.date  # the last complete simulated day (today − 1)
    run_days: list[dt.date]  # the simulated `today` of each ingest run, backfill first
    seats: dict[tuple[str, str], list[SeatTruth]] = field(default_factory=dict)

    @property
    def enterprises(self) -> list[str]:
        return self.sim.enterprises

    def rows(self, table: str, where: str = "1", *args: object) -> list[dict[str, Any]]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            conn.row_factory = sqlite3.Row
            cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", args)
            return [dict(r) for r in cur]


def _write_config(s: Simulator, root: Path, env: pytest.MonkeyPatch) -> config_mod.Config:
    path, tokens = write_sim_config(
        s,
        root,
        env_prefix="GHMC_E2E_TOKEN_",
        history_days=HISTORY_DAYS,
        data_dir=root / "data",
        extra="[billing]\nper_user = true\n",
    )
    for var, value in tokens.items():
        env.setenv(var, value)
    return config_mod.load(path)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Grow the world, ingest it (backfill, then daily runs), project once."""
    root = tmp_path_factory.mktemp("e2e")
    clock = VirtualClock.on_day(FIRST_TODAY)
    simulator = Simulator(SimConfig(seed=3, today=FIRST_TODAY, scale="small", clock=clock))
    seats: dict[tuple[str, str], list[SeatTruth]] = {}
    run_days = []
    with simulator as s, pytest.MonkeyPatch.context() as env:
        cfg = _write_config(s, root, env)
        s.advance_day(GROWN_DAYS)
        for index in range(1 + DAILY_RUNS):
            if index:
                s.advance_day()
            clock.set_day(s.today)
            run_days.append(s.today)
            result = run_ingest(cfg, clock=clock, sleep=clock.sleep)
            assert result.status == "ok", result.lines()
            for ent in s.enterprises:
                seats[ent, s.today.isoformat()] = s.truth.seats(ent)
    settings = projections.Settings.from_config(cfg)
    projections.project(cfg.raw_dir, cfg.db_path, settings, progress=lambda _line: None)
    first_day = s.state.world.first_day
    assert (s.today - first_day).days > 90  # a few simulated months
    yield Run(s, cfg.db_path, first_day, s.today - dt.timedelta(days=1), run_days, seats)


# --- helpers --------------------------------------------------------------------------------


def _key(source: str | None, ident: int | None) -> str | None:
    """deployment_key as dora_deployments writes it: `<source>:<id>`."""
    return None if source is None or ident is None else f"{source}:{ident}"


def _diff(got: dict[Any, Any], want: dict[Any, Any]) -> list[str]:
    """Readable differences between two keyed row sets (at most 10)."""
    out = [f"missing {k}: want {want[k]}" for k in sorted(want.keys() - got.keys(), key=str)]
    out += [f"extra {k}: got {got[k]}" for k in sorted(got.keys() - want.keys(), key=str)]
    out += [
        f"{k}: got {got[k]} want {want[k]}"
        for k in sorted(got.keys() & want.keys(), key=str)
        if got[k] != want[k]
    ]
    return out[:10]


def _truth_deployments(run: Run, ent: str) -> list[DeploymentTruth]:
    return run.sim.truth.deployments(ent, run.first_day, run.last_day)


def _truth_changes(run: Run, ent: str) -> list[ChangeTruth]:
    return run.sim.truth.changes(ent, run.first_day, run.last_day)


def _truth_incidents(run: Run, ent: str) -> list[DoraIncidentTruth]:
    return run.sim.truth.dora_incidents(ent, run.first_day, run.last_day)


def _p75(xs: list[float]) -> float | None:
    """75th percentile, linear interpolation between closest ranks (numpy's default)."""
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=4, method="inclusive")[2]


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _close(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Equal, except floats within a relative 1e-12 (None and ints compared exactly)."""
    return got.keys() == want.keys() and all(
        got[f] == pytest.approx(w, rel=1e-12) if isinstance(w, float) else got[f] == w
        for f, w in want.items()
    )


# --- DORA -----------------------------------------------------------------------------------


def _deployment_rows(run: Run, ent: str) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {
        (r["repo"], r["deployment_key"]): r
        for r in run.rows("dora_deployments", "enterprise_id = ?", ent)
    }


def test_deployments_equal_the_truth(run: Run) -> None:
    """dora_deployments: every production deployment with its sha, time, outcome and baseline."""
    for ent in run.enterprises:
        truth = _truth_deployments(run, ent)
        want = {
            (d.repo, _key(d.source, d.id)): (
                d.repo.split("/")[0],
                d.source,
                d.sha,
                d.deployed_at,
                int(d.succeeded),
                int(d.is_baseline),
            )
            for d in truth
        }
        got = {
            k: (r["org"], r["source"], r["sha"], r["deployed_at"], r["succeeded"], r["is_baseline"])
            for k, r in _deployment_rows(run, ent).items()
        }
        assert not _diff(got, want), _diff(got, want)
        assert {d.source for d in truth} == {"deployment", "workflow_run"}
        assert any(not d.succeeded for d in truth)


def test_prs_shipped_per_deployment_equal_the_truth(run: Run) -> None:
    """dora_deployments.prs_shipped: the merged PRs whose lead time each deployment closes."""
    for ent in run.enterprises:
        shipped: dict[tuple[str, str | None], int] = defaultdict(int)
        for c in _truth_changes(run, ent):
            if c.lead_time_minutes is not None:
                shipped[c.repo, _key(c.deployment_source, c.deployment_id)] += 1
        got = {k: r["prs_shipped"] for k, r in _deployment_rows(run, ent).items()}
        want = {k: shipped[k] for k in got}
        assert not _diff(got, want), _diff(got, want)


def _change_rows(run: Run, ent: str) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (r["repo"], r["pr_number"]): r for r in run.rows("dora_changes", "enterprise_id = ?", ent)
    }


def test_changes_are_the_merged_pull_requests(run: Run) -> None:
    """dora_changes: one row per merged PR, with its author, first commit and merge time."""
    for ent in run.enterprises:
        want = {
            (c.repo, c.number): (c.author_login, c.first_commit_at, c.merged_at)
            for c in _truth_changes(run, ent)
        }
        got = {
            k: (r["author_login"], r["first_commit_at"], r["merged_at"])
            for k, r in _change_rows(run, ent).items()
        }
        assert not _diff(got, want), _diff(got, want)


def test_lead_times_equal_the_truth(run: Run) -> None:
    """dora_changes: the deployment that first contains each merged PR, and the lead time."""
    for ent in run.enterprises:
        truth = _truth_changes(run, ent)
        want = {
            (c.repo, c.number): (
                _key(c.deployment_source, c.deployment_id),
                c.deployed_at,
                c.lead_time_minutes,
            )
            for c in truth
        }
        got = {
            k: (r["deployment_key"], r["deployed_at"], r["lead_time_minutes"])
            for k, r in _change_rows(run, ent).items()
        }
        assert not _diff(got, want), _diff(got, want)
        assert sum(c.lead_time_minutes is not None for c in truth) > 20


def test_incidents_and_recovery_times_equal_the_truth(run: Run) -> None:
    """dora_incidents: labelled issues, reverts and failed deployments, attribution, recovery."""
    sources = {"label": "issue", "revert": "revert", "failed_deployment": "failed"}
    for ent in run.enterprises:
        truth = _truth_incidents(run, ent)
        want = {
            (i.repo, f"{sources[i.source]}:{i.ref}"): (
                i.source,
                i.opened_at,
                i.resolved_at,
                _key(i.deployment_source, i.deployment_id),
                i.recovery_minutes,
            )
            for i in truth
        }
        got = {
            (r["repo"], r["incident_key"]): (
                r["source"],
                r["opened_at"],
                r["resolved_at"],
                r["deployment_key"],
                r["recovery_minutes"],
            )
            for r in run.rows("dora_incidents", "enterprise_id = ?", ent)
        }
        assert not _diff(got, want), _diff(got, want)
        assert {i.source for i in truth} == set(sources)


Acc = dict[str, Any]
MetricKey = tuple[str, str, str, str]
"""(org, repo, granularity, period_start); '' = all."""


def _periods(repo: str, ts: str) -> list[MetricKey]:
    """The metric rows an event at `ts` in `repo` counts in: repo, org and enterprise; ISO week
    (Monday) and month."""
    day = dt.date.fromisoformat(ts[:10])
    week = (day - dt.timedelta(days=day.weekday())).isoformat()
    month = day.replace(day=1).isoformat()
    org = repo.split("/", maxsplit=1)[0]
    return [
        (o, r, gran, start)
        for o, r in ((org, repo), (org, ""), ("", ""))
        for gran, start in (("week", week), ("month", month))
    ]


def _metrics_truth(run: Run, ent: str) -> dict[MetricKey, Acc]:
    """Per period and group: the DORA keys of design §5, computed from the truth's rows."""
    deploys = _truth_deployments(run, ent)
    incidents = _truth_incidents(run, ent)
    attributed = {
        (i.repo, _key(i.deployment_source, i.deployment_id))
        for i in incidents
        if i.deployment_id is not None
    }

    def fresh() -> Acc:
        return {"ok": 0, "failed": 0, "days": set(), "failing": 0, "leads": [], "rec": [], "n": 0}

    acc: dict[MetricKey, Acc] = defaultdict(fresh)
    for d in deploys:
        for key in _periods(d.repo, d.deployed_at):
            a = acc[key]
            a["ok" if d.succeeded else "failed"] += 1
            if d.succeeded:
                a["days"].add(d.deployed_at[:10])
            a["failing"] += (d.repo, _key(d.source, d.id)) in attributed
    for c in _truth_changes(run, ent):
        if c.lead_time_minutes is not None and c.deployed_at is not None:
            for key in _periods(c.repo, c.deployed_at):
                acc[key]["leads"].append(c.lead_time_minutes)
    for i in incidents:
        for key in _periods(i.repo, i.opened_at):
            a = acc[key]
            a["n"] += 1
            if i.recovery_minutes is not None:
                a["rec"].append(i.recovery_minutes)
    out = {}
    for key, a in acc.items():
        attempts = a["ok"] + a["failed"]
        out[key] = {
            "deployments": a["ok"],
            "deployment_days": len(a["days"]),
            "failed_deployments": a["failed"],
            "change_failure_rate": a["failing"] / attempts if attempts else None,
            "incidents": a["n"],
            "recovery_median_minutes": _median(a["rec"]),
            "changes": len(a["leads"]),
            "lead_time_median_minutes": _median(a["leads"]),
            "lead_time_p75_minutes": _p75(a["leads"]),
        }
    return out


DELIVERY_KEYS = (
    "deployments",
    "deployment_days",
    "failed_deployments",
    "change_failure_rate",
    "incidents",
    "recovery_median_minutes",
)
LEAD_TIME_KEYS = ("changes", "lead_time_median_minutes", "lead_time_p75_minutes")


def _compare_metrics(run: Run, fields: tuple[str, ...]) -> None:
    for ent in run.enterprises:
        want = {k: {f: v[f] for f in fields} for k, v in _metrics_truth(run, ent).items()}
        got = {
            (r["org"], r["repo"], r["granularity"], r["period_start"]): {f: r[f] for f in fields}
            for r in run.rows("dora_metrics", "enterprise_id = ?", ent)
        }
        # Periods run without gaps: a quiet period of a group is a row of zeros and NULLs.
        quiet = {f: (None if f.endswith(("_minutes", "_rate")) else 0) for f in fields}
        got = {k: v for k, v in got.items() if k in want or v != quiet}
        # Interpolated medians and p75s: the same values on both sides, but computed as
        # a + (b − a)·f there and by statistics' own formula here, so allow the last bits.
        close = {k: _close(got[k], w) for k, w in want.items() if k in got}
        assert got.keys() == want.keys(), _diff(got, want)
        bad = [k for k, ok in close.items() if not ok]
        assert not bad, _diff({k: got[k] for k in bad}, {k: want[k] for k in bad})


def test_deployments_failure_rate_and_recovery_per_period_equal_the_truth(run: Run) -> None:
    """dora_metrics (repo, org, enterprise; week, month): deployments, days, change failure rate,
    recovery."""
    _compare_metrics(run, DELIVERY_KEYS)


def test_lead_times_per_period_equal_the_truth(run: Run) -> None:
    """dora_metrics (repo, org, enterprise; week, month): lead-time median, p75, sample size."""
    _compare_metrics(run, LEAD_TIME_KEYS)


# --- velocity -------------------------------------------------------------------------------


def _pr_rows(run: Run, ent: str) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (r["repo"], r["pr_number"]): r
        for r in run.rows("velocity_pull_requests", "enterprise_id = ?", ent)
    }


def _drafted(p: PullTruth) -> bool:
    """Opened as a draft: ready later than creation, or not ready yet."""
    return p.ready_at != p.created_at


def test_velocity_stages_equal_the_truth(run: Run) -> None:
    """velocity_pull_requests: author, times, size, human reviews and stages (drafts included)."""
    names = (
        "author_login",
        "author_kind",
        "created_at",
        "ready_at",
        "first_commit_at",
        "first_review_at",
        "merged_at",
        "closed_at",
        "additions",
        "deletions",
        "changed_files",
        "commits",
        "reviews",
        "coding_minutes",
        "pickup_minutes",
        "review_minutes",
        "cycle_minutes",
    )
    for ent in run.enterprises:
        truth = run.sim.truth.pull_requests(ent, run.first_day, run.last_day)
        rows = _pr_rows(run, ent)
        want, got = {}, {}
        for p in truth:
            key = (p.repo, p.number)
            # `reviews` is not defined by design §5; projections counts the reviews that can end
            # pickup (humans other than the author), not every review GitHub lists.
            w = {n: getattr(p, n) for n in names} | {"reviews": p.human_reviews}
            g = {n: rows[key][n] for n in names} if key in rows else None
            want[key], got[key] = w, g
        got.update({k: rows[k] for k in rows.keys() - want.keys()})
        assert not _diff(got, want), _diff(got, want)
        assert {p.author_kind for p in truth} == {"human", "bot", "copilot"}


def test_velocity_ready_time_of_drafts_equals_the_truth(run: Run) -> None:
    """velocity_pull_requests: a draft is ready at ready-for-review; coding and pickup from it."""
    names = ("ready_at", "coding_minutes", "pickup_minutes")
    for ent in run.enterprises:
        truth = run.sim.truth.pull_requests(ent, run.first_day, run.last_day)
        drafts = [p for p in truth if _drafted(p)]
        assert drafts
        rows = _pr_rows(run, ent)
        want = {(p.repo, p.number): tuple(getattr(p, n) for n in names) for p in drafts}
        got = {k: tuple(rows[k][n] for n in names) for k in want if k in rows}
        assert got
        assert not _diff(got, want), _diff(got, want)


# --- Copilot --------------------------------------------------------------------------------

DAILY_FIELDS = (
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
    "daily_active_cli_users",
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
PR_FIELDS = (
    "total_created",
    "total_reviewed",
    "total_merged",
    "median_minutes_to_merge",
    "total_created_by_copilot",
    "total_reviewed_by_copilot",
)


def _acceptance_rate(record: dict[str, Any]) -> float | None:
    """Σ acceptances ÷ Σ generations over feature `code_completion` (design §5)."""
    rows = [r for r in record.get("totals_by_feature", []) if r["feature"] == "code_completion"]
    gen = sum(r["code_generation_activity_count"] for r in rows)
    acc = sum(r["code_acceptance_activity_count"] for r in rows)
    return acc / gen if gen else None


def _days(run: Run) -> list[dt.date]:
    n = (run.last_day - run.first_day).days + 1
    return [run.first_day + dt.timedelta(days=i) for i in range(n)]


def test_copilot_daily_metrics_equal_the_truth(run: Run) -> None:
    """copilot_daily_metrics: every day's enterprise and organization record, as served now."""
    for ent in run.enterprises:
        want = {}
        for day in _days(run):
            for scope, org in [
                ("enterprise", ""),
                *(("organization", o) for o in run.sim.orgs(ent)),
            ]:
                rec = run.sim.truth.copilot_totals(ent, day, org or None)
                pulls = rec.get("pull_requests", {})
                want[scope, org, day.isoformat()] = (
                    *(rec.get(f) for f in DAILY_FIELDS),
                    _acceptance_rate(rec),
                    *(pulls.get(f) for f in PR_FIELDS),
                )
        got = {
            (r["scope"], r["org"], r["day"]): (
                *(r[f] for f in DAILY_FIELDS),
                r["completion_acceptance_rate"],
                *(r[f"pr_{f}"] for f in PR_FIELDS),
            )
            for r in run.rows("copilot_daily_metrics", "enterprise_id = ?", ent)
        }
        assert not _diff(got, want), _diff(got, want)


def _flag(rec: dict[str, Any], *names: str) -> int | None:
    """A report's boolean as 0/1; None when absent or null."""
    value = next((rec[n] for n in names if rec.get(n) is not None), None)
    return None if value is None else int(value)


def test_copilot_user_metrics_equal_the_truth(run: Run) -> None:
    """copilot_user_metrics: every user-day's counters, flags and credits, as served now."""
    counters = DAILY_FIELDS[6:]
    for ent in run.enterprises:
        want = {}
        for day in _days(run):
            for rec in run.sim.truth.copilot_users(ent, day):
                want[day.isoformat(), rec["user_id"]] = (
                    rec["user_login"],
                    *(rec.get(f) for f in counters),
                    _flag(rec, "used_agent"),
                    _flag(rec, "used_chat"),
                    _flag(rec, "used_cli"),
                    _flag(rec, "used_copilot_coding_agent", "used_copilot_cloud_agent"),
                    _flag(rec, "used_copilot_code_review_active"),
                    _flag(rec, "used_copilot_code_review_passive"),
                    rec["ai_credits_used"],
                    rec["ai_adoption_phase"]["phase"],
                    _acceptance_rate(rec),
                )
        got = {
            (r["day"], r["user_id"]): (
                r["user_login"],
                *(r[f] for f in counters),
                r["used_agent"],
                r["used_chat"],
                r["used_cli"],
                r["used_copilot_coding_agent"],
                r["used_copilot_code_review_active"],
                r["used_copilot_code_review_passive"],
                r["ai_credits_used"],
                r["ai_adoption_phase"],
                r["completion_acceptance_rate"],
            )
            for r in run.rows("copilot_user_metrics", "enterprise_id = ?", ent)
        }
        assert not _diff(got, want), _diff(got, want)
        assert len(want) > 100


def test_copilot_seats_equal_the_truth(run: Run) -> None:
    """copilot_seats: each daily snapshot's seats, last activity and inactive days."""
    for (ent, day), seats in run.seats.items():
        want = {(s.org, s.login): (s.last_activity_at, s.inactive_days) for s in seats}
        got = {
            (r["org"], r["user_login"]): (r["last_activity_at"], r["inactive_days"])
            for r in run.rows("copilot_seats", "enterprise_id = ? AND snapshot_day = ?", ent, day)
        }
        assert not _diff(got, want), (day, _diff(got, want))
    assert any(s.inactive_days is None for seats in run.seats.values() for s in seats)


SpendKey = tuple[str, str, str, str]
"""(day, org, user_login, model); '' = all."""


def _days_between(first: dt.date, last: dt.date) -> set[str]:
    return {(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}


def _spend_truth(
    run: Run, ent: str, source: str, user_days: set[str]
) -> dict[SpendKey, list[float]]:
    """Truth spend summed per key: enterprise-wide, per org, and per user on `user_days`."""
    sums: dict[SpendKey, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    # billing goes back before the world's first day (seats are older): the backfill window
    since = run.run_days[0] - dt.timedelta(days=HISTORY_DAYS)
    for row in run.sim.truth.spend(ent, since, run.last_day, source):
        keys = [(row.day, "", "", row.model), (row.day, row.org, "", row.model)]
        if row.day in user_days:
            keys.append((row.day, "", row.user_login, row.model))
        for key in keys:
            s = sums[key]
            s[0] += row.gross_quantity
            s[1] += row.discount_quantity
            s[2] += row.net_quantity
            s[3] += row.net_amount
    return sums


def _spend_got(run: Run, ent: str, source: str) -> dict[SpendKey, list[float]]:
    rows = run.rows("copilot_premium_requests", "enterprise_id = ? AND source = ?", ent, source)
    return {
        (r["day"], r["org"], r["user_login"], r["model"]): [
            r["gross_quantity"],
            r["discount_quantity"],
            r["net_quantity"],
            r["net_amount"],
        ]
        for r in rows
    }


def _compare_spend(got: dict[SpendKey, list[float]], want: dict[SpendKey, list[float]]) -> None:
    assert got.keys() == want.keys(), _diff(got, want)
    for key, w in want.items():
        # The usage report rounds quantities to 2 decimals and amounts to 4 (as GitHub does);
        # the truth sums unrounded quantities and per-row rounded amounts.
        g = got[key]
        assert g[:3] == pytest.approx(w[:3], abs=0.005 + 1e-9), (key, g, w)
        assert g[3] == pytest.approx(w[3], abs=1e-3), (key, g, w)


def test_spend_equals_the_truth(run: Run) -> None:
    """copilot_premium_requests: usage per day and model for the enterprise, each org, and each
    user on the days the runs fetch per-user spend (the 3 days before each run)."""
    first = run.run_days[0]
    user_days = _days_between(first - dt.timedelta(days=3), run.last_day)
    for ent in run.enterprises:
        for source in ("premium_request", "ai_credit"):
            want = _spend_truth(run, ent, source, user_days)
            got = _spend_got(run, ent, source)
            _compare_spend(got, want)
            assert {k[2] for k in want} > {""}


def test_first_run_fetches_per_user_spend(run: Run) -> None:
    """copilot_premium_requests: the backfill run also stores per-user spend of its 3 days."""
    first = run.run_days[0]
    day = (first - dt.timedelta(days=3)).isoformat()  # only the first run asks for this day
    for ent in run.enterprises:
        want = {
            k: v
            for k, v in _spend_truth(run, ent, "premium_request", {day}).items()
            if k[0] == day and k[2]
        }
        got = {
            k: v for k, v in _spend_got(run, ent, "premium_request").items() if k[0] == day and k[2]
        }
        _compare_spend(got, want)
