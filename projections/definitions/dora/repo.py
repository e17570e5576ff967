"""DORA: deployments, changes (lead time), incidents and the per-period metrics with levels.

Every function works on one repository's slice of the `Activity` snapshot and is pure, so the
simulator's truth API can be checked repo by repo (`repo_deployments`, `repo_changes`,
`repo_incidents`). Definitions follow the DORA guide (dora.dev, "DORA's software delivery metrics")
and DevLake's DORA dashboards; each one is stated beside its code.
"""

from __future__ import annotations

import bisect
from fnmatch import fnmatchcase
from typing import NamedTuple

from projections.definitions.activity.snapshot import (
    Deployment,
    Pull,
    RepoKey,
    RepoSlice,
    Run,
    Status,
)
from projections.definitions.shared.timeutil import minutes_between
from projections.settings import Settings

SOURCE_DEPLOYMENT = "deployment"
SOURCE_RUN = "workflow_run"
ATTR_DEPLOY = "first_success_deploy_with_sha_committed_at_or_after_merge"
ATTR_DEPLOY_CREATED = "first_success_deploy_created_at_or_after_merge"
SHIPPED = frozenset({ATTR_DEPLOY, ATTR_DEPLOY_CREATED})
"""The attributions of a change whose lead time a (non-baseline) deployment closes."""
ATTR_BASELINE = "baseline"
ATTR_NOT_DEPLOYED = "not_deployed"
ATTR_BEFORE_OPEN = "last_success_deploy_at_or_before_open"
ATTR_REVERTED = "reverted_pr_deployment"
ATTR_FAILED = "failed_deployment"
ATTR_NONE = "unattributed"
FAILED_RUN_CONCLUSIONS = frozenset({"failure", "timed_out"})
REVERT_PREFIX = 'Revert "'


class Deploy(NamedTuple):
    """One production deployment (row of dora_deployments, without prs_shipped)."""

    enterprise_id: str
    repo: str
    deployment_key: str
    environment: str
    source: str
    sha: str
    deployed_at: str
    succeeded: int
    workflow_name: str
    created_at: str | None


class Change(NamedTuple):
    """One merged PR tied (or not) to the deployment that shipped it (row of dora_changes)."""

    enterprise_id: str
    repo: str
    pr_number: int
    author_login: str
    title: str
    first_commit_at: str | None
    merged_at: str
    deployment_key: str | None
    deployed_at: str | None
    lead_time_minutes: float | None
    attribution: str


class Incident(NamedTuple):
    """One incident (row of dora_incidents)."""

    enterprise_id: str
    repo: str
    incident_key: str
    source: str
    opened_at: str
    resolved_at: str | None
    deployment_key: str | None
    attribution: str
    recovery_minutes: float | None


def _matches(value: str, globs: tuple[str, ...]) -> bool:
    low = value.lower()
    return any(fnmatchcase(low, g.lower()) for g in globs)


def deploy_from_statuses(
    key: RepoKey, dep: Deployment, statuses: list[Status], settings: Settings
) -> Deploy | None:
    """A production deployment is done at its first `success` status; failed when its LAST status
    is `failure`/`error` (timed at that status); otherwise (pending/queued…) it is not yet one."""
    if not _matches(dep.environment, settings.production_environments) or not statuses:
        return None
    ordered = sorted(statuses, key=lambda s: (s.created_at or "", s.status_id))
    last = ordered[-1]
    if last.state in ("failure", "error") and last.created_at:
        at, ok = last.created_at, 0
    else:
        successes = [s.created_at for s in ordered if s.state == "success" and s.created_at]
        if not successes:
            return None
        at, ok = successes[0], 1
    return Deploy(
        key[0],
        key[1],
        f"deployment:{dep.deployment_id}",
        dep.environment,
        SOURCE_DEPLOYMENT,
        dep.sha,
        at,
        ok,
        "",
        dep.created_at,
    )


def deploy_from_run(
    key: RepoKey, run: Run, branch: str | None, settings: Settings
) -> Deploy | None:
    """A completed run of a workflow named like `dora.deploy_workflows` on the default branch is a
    deployment timed at its completion (`updated_at`); conclusion success = ok, failure/timed_out =
    failed, anything else (cancelled, skipped) is not a deployment. Unknown default branch:
    main/master."""
    branches = (branch,) if branch else ("main", "master")
    if run.status != "completed" or run.head_branch not in branches or not run.updated_at:
        return None
    if not _matches(run.name, settings.deploy_workflows):
        return None
    if run.conclusion == "success":
        ok = 1
    elif run.conclusion in FAILED_RUN_CONCLUSIONS:
        ok = 0
    else:
        return None
    return Deploy(
        key[0],
        key[1],
        f"workflow_run:{run.run_id}",
        "",
        SOURCE_RUN,
        run.head_sha,
        run.updated_at,
        ok,
        run.name,
        run.created_at,
    )


def repo_deployments(sl: RepoSlice, settings: Settings) -> list[Deploy]:
    """All production deployments of one repository, sorted by (deployed_at, deployment_key)."""
    out: list[Deploy] = []
    for dep in sl.deployments:
        d = deploy_from_statuses(sl.key, dep, sl.statuses.get(dep.deployment_id, []), settings)
        if d is not None:
            out.append(d)
    for run in sl.runs:
        d = deploy_from_run(sl.key, run, sl.default_branch, settings)
        if d is not None:
            out.append(d)
    return sorted(out, key=lambda d: (d.deployed_at, d.deployment_key))


def baseline_key(deploys: list[Deploy]) -> str | None:
    """The baseline is the repo's first *successful* production deployment (design §5 "first
    deployment of a repo", where a deployment is one with a success status; a failed attempt before
    it is not one): what it ships has no lead time, its history is not timed."""
    return next((d.deployment_key for d in deploys if d.succeeded), None)


def first_commit_at(sl: RepoSlice, number: int) -> str | None:
    """First commit = earliest author date among the PR's own commits (so squash merges work)."""
    dates = [c.authored_at for c in sl.pr_commits.get(number, []) if c.authored_at]
    return min(dates) if dates else None


class Containment(NamedTuple):
    """The successful deployments of a repo in deploy order, with when each one's code landed."""

    successes: list[Deploy]
    reach: list[str]  # running max of when each one's code landed: never decreases, so bisectable
    by_commit: list[bool]  # landed from the sha's committer date (else from the creation time)


def containment(sl: RepoSlice, deploys: list[Deploy]) -> Containment:
    """Containment — a deployment contains a PR merged at M when the committer date of its sha on
    the default branch (archived `repo.commits`) is ≥ M, or, when that sha is not archived, when
    the deployment (or deploy run) was created at or after M (deployed, if no creation time).

    Source: the DORA guide ends a change's lead time at the first production deployment that
    contains it; DevLake ties a PR to the deployment whose commits (since the previous deployment)
    include its merge commit. Committer dates stand in for ancestry, which would need a /compare
    per deployment (and `merge_commit_sha` is no longer returned from 2026-03-10)."""
    committed = {c.sha: c.committed_at for c in sl.commits if c.committed_at}
    successes = [d for d in deploys if d.succeeded]
    reach: list[str] = []
    by_commit: list[bool] = []
    top = ""
    for d in successes:
        at = committed.get(d.sha)
        by_commit.append(at is not None)
        top = max(top, at or d.created_at or d.deployed_at)
        reach.append(top)
    return Containment(successes, reach, by_commit)


def first_containing(c: Containment, merged_at: str) -> tuple[Deploy, bool] | None:
    """The first successful deployment (in deploy order) that contains a merge at `merged_at`,
    and whether the committer date decided it; None when no deployment contains it yet."""
    i = bisect.bisect_left(c.reach, merged_at)
    return (c.successes[i], c.by_commit[i]) if i < len(c.successes) else None


def merged_pulls(sl: RepoSlice) -> list[Pull]:
    """PRs merged into the default branch (all merged PRs when the branch is unknown)."""
    return [
        p
        for p in sl.pulls
        if p.merged_at and (sl.default_branch is None or p.base_ref in ("", sl.default_branch))
    ]


def repo_changes(sl: RepoSlice, deploys: list[Deploy]) -> list[Change]:
    """Lead time for changes (DORA): first commit of a merged PR → the first successful production
    deployment of the repo that contains the merge (`containment`); the attribution records whether
    the sha's committer date or the creation-time fallback decided it. A PR shipped by the baseline
    deployment has no lead time."""
    contained = containment(sl, deploys)
    base = baseline_key(deploys)
    out: list[Change] = []
    for pr in merged_pulls(sl):
        merged = pr.merged_at or ""
        first = first_commit_at(sl, pr.number)
        found = first_containing(contained, merged)
        if found is None:
            key, at, lead, how = None, None, None, ATTR_NOT_DEPLOYED
        elif found[0].deployment_key == base:
            dep = found[0]
            key, at, lead, how = dep.deployment_key, dep.deployed_at, None, ATTR_BASELINE
        else:
            dep, by_commit = found
            key, at = dep.deployment_key, dep.deployed_at
            how = ATTR_DEPLOY if by_commit else ATTR_DEPLOY_CREATED
            lead = minutes_between(first, at)
        out.append(
            Change(
                sl.key[0],
                sl.key[1],
                pr.number,
                pr.author,
                pr.title,
                first,
                merged,
                key,
                at,
                lead,
                how,
            )
        )
    return out


def _last_success_at_or_before(successes: list[Deploy], times: list[str], at: str) -> Deploy | None:
    i = bisect.bisect_right(times, at)
    return successes[i - 1] if i > 0 else None


def _incident(
    sl: RepoSlice,
    *,
    key: str,
    source: str,
    opened: str,
    resolved: str | None,
    dep: Deploy | None,
    how: str,
) -> Incident:
    """Recovery time: attributed deployment (or, unattributed, the incident opening) → resolved."""
    start = dep.deployed_at if dep is not None else opened
    return Incident(
        sl.key[0],
        sl.key[1],
        key,
        source,
        opened,
        resolved,
        None if dep is None else dep.deployment_key,
        how,
        minutes_between(start, resolved),
    )


def label_incidents(sl: RepoSlice, deploys: list[Deploy], settings: Settings) -> list[Incident]:
    """Issues carrying an incident label, opened at creation, resolved when closed, attributed to
    the last successful production deployment at or before they were opened."""
    successes = [d for d in deploys if d.succeeded]
    times = [d.deployed_at for d in successes]
    labels = {lb.lower() for lb in settings.incident_labels}
    out: list[Incident] = []
    for issue in sl.issues:
        if not issue.created_at or not labels.intersection(x.lower() for x in issue.labels):
            continue
        dep = _last_success_at_or_before(successes, times, issue.created_at)
        out.append(
            _incident(
                sl,
                key=f"issue:{issue.number}",
                source="label",
                opened=issue.created_at,
                resolved=issue.closed_at,
                dep=dep,
                how=ATTR_BEFORE_OPEN if dep else ATTR_NONE,
            )
        )
    return out


def revert_incidents(sl: RepoSlice, deploys: list[Deploy], changes: list[Change]) -> list[Incident]:
    """A merged PR titled 'Revert "X"' is an incident opened when the revert PR was created and
    resolved when the revert was deployed; it is attributed to the deployment that shipped the
    reverted PR "X" (latest merged PR of that title), else to the last success before it opened."""
    successes = [d for d in deploys if d.succeeded]
    times = [d.deployed_at for d in successes]
    by_key = {d.deployment_key: d for d in deploys}
    shipped = {c.pr_number: c for c in changes}
    out: list[Incident] = []
    for pr in merged_pulls(sl):
        if not pr.title.startswith(REVERT_PREFIX) or not pr.created_at:
            continue
        target = pr.title[len(REVERT_PREFIX) :].removesuffix('"')
        victims = [c for c in changes if c.title == target and c.merged_at <= pr.created_at]
        victim = max(victims, key=lambda c: (c.merged_at, c.pr_number)) if victims else None
        dep = by_key.get(victim.deployment_key or "") if victim else None
        how = ATTR_REVERTED
        if dep is None:
            dep = _last_success_at_or_before(successes, times, pr.created_at)
            how = ATTR_BEFORE_OPEN if dep else ATTR_NONE
        own = shipped.get(pr.number)
        out.append(
            _incident(
                sl,
                key=f"revert:{pr.number}",
                source="revert",
                opened=pr.created_at,
                resolved=own.deployed_at if own else None,
                dep=dep,
                how=how,
            )
        )
    return out


def failed_deployment_incidents(sl: RepoSlice, deploys: list[Deploy]) -> list[Incident]:
    """Every failed production deployment is an incident of its own, resolved by the next
    successful production deployment of the repo."""
    successes = [d for d in deploys if d.succeeded]
    times = [d.deployed_at for d in successes]
    out: list[Incident] = []
    for d in deploys:
        if d.succeeded:
            continue
        i = bisect.bisect_right(times, d.deployed_at)
        resolved = successes[i].deployed_at if i < len(successes) else None
        out.append(
            _incident(
                sl,
                key=f"failed:{d.deployment_key}",
                source=ATTR_FAILED,
                opened=d.deployed_at,
                resolved=resolved,
                dep=d,
                how=ATTR_FAILED,
            )
        )
    return out


def repo_incidents(
    sl: RepoSlice, deploys: list[Deploy], changes: list[Change], settings: Settings
) -> list[Incident]:
    """All incidents of one repository: labelled issues, revert PRs and failed deployments."""
    return (
        label_incidents(sl, deploys, settings)
        + revert_incidents(sl, deploys, changes)
        + failed_deployment_incidents(sl, deploys)
    )


def prs_shipped(deploys: list[Deploy], changes: list[Change]) -> dict[str, int]:
    """PRs whose lead time a deployment closes (none for the baseline: its history is not timed)."""
    counts = dict.fromkeys((d.deployment_key for d in deploys), 0)
    for c in changes:
        if c.attribution in SHIPPED and c.deployment_key is not None:
            counts[c.deployment_key] += 1
    return counts
