"""Collectors that turn a family's snapshot into table rows (the glue between modules).

`DeliveryFamily` computes DORA and velocity per repository from one `Activity` snapshot; its
per-repo steps (`repo_rows`) are public so the simulator's truth can be compared repo by repo.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from projections import copilot, dora, velocity
from projections.activity import ActivityCollector, RepoSlice, Review, slices
from projections.dora_metrics import MetricsBuilder
from projections.events import Fetched
from projections.ordered import Ordered, pack, unpack
from projections.schema import TABLES
from projections.settings import Settings

Row = tuple[object, ...]
Rows = dict[str, list[Row]]


class _RowSource(Protocol):
    def add(self, ev: Fetched) -> None: ...
    def rows(self) -> list[tuple[object, ...]]: ...


class Single:
    """A collector whose rows fill one table."""

    def __init__(self, inner: Any, table: str) -> None:
        self.inner: _RowSource = inner
        self.table = table

    def add(self, ev: Fetched) -> None:
        """Pass the event on."""
        self.inner.add(ev)

    def finish(self) -> Rows:
        """The one table's rows."""
        return {self.table: self.inner.rows()}


class ReportsFamily:
    """Copilot report files of some report kinds → the tables those kinds feed."""

    def __init__(self, report_kinds: frozenset[str]) -> None:
        self.collector = copilot.ReportCollector(report_kinds)
        self.tables = copilot.tables_of(report_kinds)

    def add(self, ev: Fetched) -> None:
        """Take a report file."""
        self.collector.add(ev)

    def finish(self) -> dict[str, list[Row] | Ordered]:
        """The report tables, each made when written (see `copilot.ReportCollector`)."""
        tables = copilot.ReportTables(self.collector.finish(), self.collector.stray)
        return {name: Ordered(partial(tables.rows, name), first_wins=True) for name in self.tables}


def repo_rows(
    sl: RepoSlice, settings: Settings
) -> tuple[
    list[dora.Deploy],
    list[dora.Change],
    list[dora.Incident],
    list[velocity.PrRow],
    list[list[Review]],
]:
    """Deployments, changes, incidents, PR stages and (per PR) human reviews of one repository."""
    deploys = dora.repo_deployments(sl, settings)
    changes = dora.repo_changes(sl, deploys)
    incidents = dora.repo_incidents(sl, deploys, changes, settings)
    prs, reviews = velocity.repo_prs(sl, settings)
    return deploys, changes, incidents, prs, reviews


@dataclass(slots=True)
class DeliveryPart:
    """One share's delivery results: its per-repo rows packed (sorted, in zstd-compressed
    `marshal` chunks: a share's rows stay small while the next share is computed) and its part of
    the cross-repo aggregates."""

    rows: dict[str, list[bytes]]
    metrics: MetricsBuilder
    weeks: dict[tuple[str, str, str, str], velocity.Week]


CHUNK = 5000
"""Rows per packed chunk."""


def _pack(table: str, rows: list[Row]) -> list[bytes]:
    rows.sort(key=TABLES[table].sort_key())
    return [pack(rows[i : i + CHUNK]) for i in range(0, len(rows), CHUNK)]


def _unpacked(chunks: list[bytes]) -> Iterator[Row]:
    for chunk in chunks:
        yield from unpack(chunk)


def _merged(table: str, parts: list[list[bytes]]) -> Iterator[list[Row]]:
    """The shares' packed rows of one table, merged in key order (shares hold distinct repos)."""
    if len(parts) == 1:  # one share: its chunks are already in order
        yield from map(unpack, parts[0])
        return
    rows = heapq.merge(*map(_unpacked, parts), key=TABLES[table].sort_key())
    while merged := list(itertools.islice(rows, CHUNK)):
        yield merged


PER_REPO_TABLES = (
    "dora_deployments",
    "dora_changes",
    "dora_incidents",
    "velocity_pull_requests",
)


def _deploy_rows(org: str, deploys: list[dora.Deploy], changes: list[dora.Change]) -> list[Row]:
    base, shipped = dora.baseline_key(deploys), dora.prs_shipped(deploys, changes)
    return [
        (
            d.enterprise_id,
            d.repo,
            d.deployment_key,
            org,
            d.environment,
            d.source,
            d.sha,
            d.deployed_at,
            d.succeeded,
            int(d.deployment_key == base),
            shipped[d.deployment_key],
            d.workflow_name,
        )
        for d in deploys
    ]


def _change_rows(org: str, changes: list[dora.Change]) -> list[Row]:
    return [
        (
            c.enterprise_id,
            c.repo,
            c.pr_number,
            org,
            c.author_login,
            c.first_commit_at,
            c.merged_at,
            c.deployment_key,
            c.deployed_at,
            c.lead_time_minutes,
            c.attribution,
        )
        for c in changes
    ]


def _incident_rows(org: str, incidents: list[dora.Incident]) -> list[Row]:
    return [
        (
            i.enterprise_id,
            i.repo,
            i.incident_key,
            org,
            i.source,
            i.opened_at,
            i.resolved_at,
            i.deployment_key,
            i.attribution,
            i.recovery_minutes,
        )
        for i in incidents
    ]


def merge_parts(parts: list[DeliveryPart], settings: Settings) -> dict[str, list[Row] | Ordered]:
    """All DORA and velocity rows from the shares' parts (aggregates are order-independent)."""
    out: dict[str, list[Row] | Ordered] = {
        t: Ordered(partial(_merged, t, [p.rows[t] for p in parts])) for t in PER_REPO_TABLES
    }
    metrics, weekly = MetricsBuilder(), velocity.WeeklyBuilder(settings)
    for part in parts:
        metrics.merge(part.metrics)
        weekly.merge(part.weeks)
    out["dora_metrics"] = metrics.rows(settings.benchmark)
    out["velocity_metrics"] = weekly.rows()
    return out


class DeliveryFamily:
    """Repository activity → DORA and velocity tables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collector = ActivityCollector()
        self.handlers = self.collector.handlers
        """kind → the activity observer's `add` (called directly by the build loop)."""

    def add(self, ev: Fetched) -> None:
        """Observe a repository event."""
        self.collector.add(ev)

    def finish_part(self) -> DeliveryPart:
        """This share's per-repo rows and aggregate inputs (see `merge_parts`)."""
        rows: dict[str, list[Row]] = {t: [] for t in PER_REPO_TABLES}
        metrics, weekly = MetricsBuilder(), velocity.WeeklyBuilder(self.settings)
        self.handlers = {}
        for sl in slices(self.collector.finish()):
            deploys, changes, incidents, prs, reviews = repo_rows(sl, self.settings)
            org = sl.key[1].split("/", 1)[0]
            rows["dora_deployments"] += _deploy_rows(org, deploys, changes)
            rows["dora_changes"] += _change_rows(org, changes)
            rows["dora_incidents"] += _incident_rows(org, incidents)
            rows["velocity_pull_requests"] += [tuple(p) for p in prs]
            metrics.add_repo(deploys, changes, incidents)
            weekly.add_repo(sl, prs, reviews)
        metrics.seal()
        return DeliveryPart({t: _pack(t, r) for t, r in rows.items()}, metrics, weekly.weeks)

    def finish(self) -> dict[str, list[Row] | Ordered]:
        """All DORA and velocity rows."""
        return merge_parts([self.finish_part()], self.settings)
