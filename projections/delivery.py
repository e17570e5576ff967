"""Collectors that turn a family's snapshot into table rows (the glue between modules).

`DeliveryFamily` computes DORA and velocity per repository from one `Activity` snapshot; its
per-repo steps (`repo_rows`) are public so the simulator's truth can be compared repo by repo.
"""

from __future__ import annotations

from typing import Any, Protocol

from archive.envelope import Event
from projections import copilot, dora, velocity
from projections.activity import ActivityCollector, RepoSlice, slices
from projections.dora_metrics import MetricsBuilder
from projections.settings import Settings

Rows = dict[str, list[tuple[object, ...]]]


class _RowSource(Protocol):
    def add(self, ev: Event) -> None: ...
    def rows(self) -> list[tuple[object, ...]]: ...


class Single:
    """A collector whose rows fill one table."""

    def __init__(self, inner: Any, table: str) -> None:
        self.inner: _RowSource = inner
        self.table = table

    def add(self, ev: Event) -> None:
        """Pass the event on."""
        self.inner.add(ev)

    def finish(self) -> Rows:
        """The one table's rows."""
        return {self.table: self.inner.rows()}


class ReportsFamily:
    """Copilot report files → the four report tables."""

    def __init__(self) -> None:
        self.collector = copilot.ReportCollector()

    def add(self, ev: Event) -> None:
        """Take a report file."""
        self.collector.add(ev)

    def finish(self) -> Rows:
        """The report tables."""
        return copilot.build(self.collector.finish())


def repo_rows(
    sl: RepoSlice, settings: Settings
) -> tuple[list[dora.Deploy], list[dora.Change], list[dora.Incident], list[velocity.PrRow]]:
    """Deployments, changes, incidents and PR stages of one repository."""
    deploys = dora.repo_deployments(sl, settings)
    changes = dora.repo_changes(sl, deploys)
    incidents = dora.repo_incidents(sl, deploys, changes, settings)
    prs = [velocity.pr_row(sl, pr, settings) for pr in sl.pulls]
    return deploys, changes, incidents, prs


class DeliveryFamily:
    """Repository activity → DORA and velocity tables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collector = ActivityCollector()

    def add(self, ev: Event) -> None:
        """Observe a repository event."""
        self.collector.add(ev)

    def finish(self) -> Rows:
        """All DORA and velocity rows."""
        out: Rows = {
            t: []
            for t in (
                "dora_deployments",
                "dora_changes",
                "dora_incidents",
                "velocity_pull_requests",
            )
        }
        metrics, weekly = MetricsBuilder(), velocity.WeeklyBuilder(self.settings)
        for sl in slices(self.collector.finish()):
            deploys, changes, incidents, prs = repo_rows(sl, self.settings)
            org = sl.key[1].split("/", 1)[0]
            base, shipped = dora.baseline_key(deploys), dora.prs_shipped(deploys, changes)
            out["dora_deployments"] += [
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
            out["dora_changes"] += [
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
            out["dora_incidents"] += [
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
            out["velocity_pull_requests"] += [tuple(p) for p in prs]
            metrics.add_repo(deploys, changes, incidents)
            weekly.add_repo(sl, prs)
        out["dora_metrics"] = metrics.rows(self.settings.benchmark)
        out["velocity_metrics"] = weekly.rows()
        return out
