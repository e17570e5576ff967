"""dora_metrics: the four keys and rework rate per repo, org and enterprise, by ISO week and month.

Definitions (DORA guide, dora.dev; DevLake's DORA dashboards for the deployment-days form):
- deployments / deployment_days: successful production deployments, and the distinct UTC days with
  one, in the period; df_level from the median deployment days per ISO week (for a month: over the
  weeks whose Monday falls in it, empty weeks counted as 0).
- lead time: median and p75 (`stats`) of dora_changes.lead_time_minutes over changes DEPLOYED in
  the period; `changes` is that sample size.
- change_failure_rate: deployments (successful or failed) in the period with at least one incident
  attributed to them ÷ all those deployments (a failed deployment is its own incident).
- recovery: median recovery_minutes of the incidents OPENED in the period; `incidents` counts them.
- rework_rate: successful deployments that ship a revert/hotfix PR or happen while an incident of
  the repo is open (opened_at ≤ deployed_at ≤ resolved_at, or unresolved) ÷ successful deployments.
Periods run without gaps from a group's first to its last active period (quiet weeks count as 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from projections.definitions.dora import levels as lv
from projections.definitions.dora.repo import (
    ATTR_BASELINE,
    REVERT_PREFIX,
    SHIPPED,
    Change,
    Deploy,
    Incident,
)
from projections.definitions.shared.stats import median, p75, ratio
from projections.definitions.shared.timeutil import month_start, week_start

GroupKey = tuple[str, str, str]
"""(enterprise_id, org, repo) with '' meaning all."""


@dataclass(slots=True)
class Acc:
    """What one (group, granularity, period) accumulates. Deployments are counted per repository
    (distinct deployment keys) and the counts added up: keys of different repositories never
    coincide, so the sums are the distinct counts of the group, without holding every key."""

    ok: int = 0
    failed: int = 0
    failing: int = 0
    """Attempts (successful or failed) with an attributed incident."""
    rework: int = 0
    """Successful deployments that were rework (see `deploy_flags`)."""
    days: set[str] = field(default_factory=set)
    leads: list[float] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    incidents: int = 0


def _groups(enterprise_id: str, repo: str) -> list[GroupKey]:
    org = repo.split("/", 1)[0]
    return [(enterprise_id, org, repo), (enterprise_id, org, ""), (enterprise_id, "", "")]


def _periods(day: str) -> list[tuple[str, str]]:
    return [("week", week_start(day)), ("month", month_start(day))]


def deploy_flags(
    deploys: list[Deploy], changes: list[Change], incidents: list[Incident]
) -> tuple[set[str], set[str]]:
    """(keys of deployments with an attributed incident, keys of rework deployments) of one repo."""
    failing = {i.deployment_key for i in incidents if i.deployment_key is not None}
    rework: set[str] = set()
    for c in changes:
        t = c.title.lower()
        fix = c.title.startswith(REVERT_PREFIX) or t.startswith("hotfix")
        if (
            fix
            and c.deployment_key
            and (c.attribution in SHIPPED or c.attribution == ATTR_BASELINE)
        ):
            rework.add(c.deployment_key)
    for d in deploys:
        if d.succeeded and any(
            i.opened_at <= d.deployed_at
            and (i.resolved_at is None or d.deployed_at <= i.resolved_at)
            for i in incidents
        ):
            rework.add(d.deployment_key)
    return failing, rework


class MetricsBuilder:
    """Accumulates deployments, changes and incidents into per-period groups."""

    def __init__(self) -> None:
        self.acc: dict[tuple[GroupKey, str, str], Acc] = {}
        self.last_day = ""
        self._memo: dict[tuple[str, str, str], list[Acc]] = {}

    def _each(self, ent: str, repo: str, day: str) -> list[Acc]:
        """The accumulators of every (group, granularity, period) a repo's day falls in
        (memoised: many deployments, changes and incidents share a repo and a day)."""
        accs = self._memo.get((ent, repo, day))
        if accs is not None:
            return accs
        self.last_day = max(self.last_day, day)
        accs = []
        for g in _groups(ent, repo):
            for gran, start in _periods(day):
                key = (g, gran, start)
                acc = self.acc.get(key)
                if acc is None:
                    acc = self.acc[key] = Acc()
                accs.append(acc)
        self._memo[(ent, repo, day)] = accs
        return accs

    def add_repo(
        self, deploys: list[Deploy], changes: list[Change], incidents: list[Incident]
    ) -> None:
        """Add one repository's deployments, changes and incidents."""
        self._add_deploys(deploys, *deploy_flags(deploys, changes, incidents))
        for c in changes:
            if c.lead_time_minutes is not None and c.deployed_at:
                for acc in self._each(c.enterprise_id, c.repo, c.deployed_at[:10]):
                    acc.leads.append(c.lead_time_minutes)
        for i in incidents:
            for acc in self._each(i.enterprise_id, i.repo, i.opened_at[:10]):
                acc.incidents += 1
                if i.recovery_minutes is not None:
                    acc.recoveries.append(i.recovery_minutes)

    def _add_deploys(self, deploys: list[Deploy], failing: set[str], rework: set[str]) -> None:
        """Count one repository's distinct deployment keys into each accumulator they touch."""
        keys: dict[int, tuple[Acc, set[str], set[str], set[str], set[str]]] = {}
        for d in deploys:
            key = d.deployment_key
            for acc in self._each(d.enterprise_id, d.repo, d.deployed_at[:10]):
                sets = keys.get(id(acc))
                if sets is None:
                    sets = keys[id(acc)] = (acc, set(), set(), set(), set())
                (sets[1] if d.succeeded else sets[2]).add(key)
                if d.succeeded:
                    acc.days.add(d.deployed_at[:10])
                if key in failing:
                    sets[3].add(key)
                if d.succeeded and key in rework:
                    sets[4].add(key)
        for acc, ok, failed, failing_keys, rework_keys in keys.values():
            acc.ok += len(ok)
            acc.failed += len(failed)
            acc.failing += len(failing_keys & (ok | failed))
            acc.rework += len(rework_keys)

    def seal(self) -> None:
        """No more `add_repo`: drop the per-day memo (a share's builder travels smaller)."""
        self._memo.clear()

    def merge(self, other: MetricsBuilder) -> None:
        """Fold in another builder's accumulators (a share's repositories): sets join, samples
        join (medians and p75 sort them), counts add up."""
        self.last_day = max(self.last_day, other.last_day)
        for key, theirs in other.acc.items():
            acc = self.acc.get(key)
            if acc is None:
                self.acc[key] = theirs
                continue
            acc.ok += theirs.ok
            acc.failed += theirs.failed
            acc.failing += theirs.failing
            acc.rework += theirs.rework
            acc.days |= theirs.days
            acc.leads += theirs.leads
            acc.recoveries += theirs.recoveries
            acc.incidents += theirs.incidents
        self._memo.clear()

    def rows(self, benchmark: str) -> list[tuple[object, ...]]:
        """One row per (group, granularity, period), gap-free between first and last period."""
        spans: dict[tuple[GroupKey, str], list[str]] = {}
        for g, gran, start in self.acc:
            spans.setdefault((g, gran), []).append(start)
        out: list[tuple[object, ...]] = []
        for (g, gran), starts in sorted(spans.items()):
            for start in _range(gran, min(starts), max(starts)):
                acc = self.acc.get((g, gran, start)) or Acc()
                out.append(_row(g, gran, start, acc, year=benchmark, last_day=self.last_day))
        return out


def _next(gran: str, start: str) -> str:
    d = date.fromisoformat(start)
    if gran == "week":
        return (d + timedelta(days=7)).isoformat()
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1).isoformat()


def _range(gran: str, first: str, last: str) -> list[str]:
    out, cur = [], first
    while cur <= last:
        out.append(cur)
        cur = _next(gran, cur)
    return out


def _median_days_per_week(gran: str, start: str, days: set[str], last_day: str) -> float | None:
    """Deployment days per ISO week; for a month, the median over its weeks (Mondays in the month
    up to the last day the data covers, so a running month is not diluted by future weeks)."""
    if gran == "week":
        return float(len(days))
    month = start[:7]
    first = date.fromisoformat(start)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    weeks: list[float] = []
    while monday.isoformat()[:7] == month and monday.isoformat() <= last_day:
        ws = monday.isoformat()
        weeks.append(float(sum(1 for d in days if week_start(d) == ws)))
        monday += timedelta(days=7)
    return median(weeks)


def _row(
    g: GroupKey,
    gran: str,
    start: str,
    acc: Acc,
    *,
    year: str,
    last_day: str,
) -> tuple[object, ...]:
    attempts = acc.ok + acc.failed
    lt_med, rec_med = median(acc.leads), median(acc.recoveries)
    cfr = ratio(acc.failing, attempts)
    mdpw = _median_days_per_week(gran, start, acc.days, last_day)
    return (
        g[0],
        g[1],
        g[2],
        gran,
        start,
        acc.ok,
        len(acc.days),
        lt_med,
        p75(acc.leads),
        len(acc.leads),
        cfr,
        acc.failed,
        rec_med,
        acc.incidents,
        ratio(acc.rework, acc.ok),
        lv.df_level(mdpw, year),
        lv.lt_level(lt_med, year),
        lv.cfr_level(cfr, year),
        lv.recovery_level(rec_med, year),
        mdpw,
        p75(acc.recoveries),
    )
