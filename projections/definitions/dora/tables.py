"""One repository's DORA records (`repo`) as dora_deployments, dora_changes and dora_incidents
rows, in table column order."""

from __future__ import annotations

from projections.definitions.activity.snapshot import RepoSlice
from projections.definitions.dora import repo as dora
from projections.settings import Settings

Row = tuple[object, ...]


def repo_records(
    sl: RepoSlice, settings: Settings
) -> tuple[list[dora.Deploy], list[dora.Change], list[dora.Incident]]:
    """Deployments, changes and incidents of one repository."""
    deploys = dora.repo_deployments(sl, settings)
    changes = dora.repo_changes(sl, deploys)
    incidents = dora.repo_incidents(sl, deploys, changes, settings)
    return deploys, changes, incidents


def repo_table_rows(
    sl: RepoSlice,
    deploys: list[dora.Deploy],
    changes: list[dora.Change],
    incidents: list[dora.Incident],
) -> dict[str, list[Row]]:
    """One repository's dora_deployments, dora_changes and dora_incidents rows; `org` is the
    owner part of the repository's full name."""
    org = sl.key[1].split("/", 1)[0]
    return {
        "dora_deployments": deploy_rows(org, deploys, changes),
        "dora_changes": change_rows(org, changes),
        "dora_incidents": incident_rows(org, incidents),
    }


def deploy_rows(org: str, deploys: list[dora.Deploy], changes: list[dora.Change]) -> list[Row]:
    """dora_deployments rows (`is_baseline`, `prs_shipped` derived here)."""
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


def change_rows(org: str, changes: list[dora.Change]) -> list[Row]:
    """dora_changes rows."""
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


def incident_rows(org: str, incidents: list[dora.Incident]) -> list[Row]:
    """dora_incidents rows."""
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
