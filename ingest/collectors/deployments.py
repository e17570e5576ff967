"""Deployments (newest first, down to the watermark) and the statuses of production ones.

Every deployment is archived by the list walk; statuses are read only for deployments whose
environment matches `dora.production_environments` (the same case-insensitive globs the DORA
projection uses): no metric reads the statuses of other environments, and in a busy enterprise they
are about half of a next-day run's status requests. Should the setting change, deployments of a
newly matching environment have no stored statuses and are read by the next run (within the
history window).

Statuses are read for new deployments and re-read (conditionally, so a free 304 unless something
changed) only while they can still matter: for deployments of the last two weeks whose latest
archived status is not final (queued, pending, in_progress, or no status yet), and for those whose
statuses were never stored completely. A deployment whose latest status is success, failure, error
or inactive is not read again: the DORA projection uses the first success (or the final failure),
which is already archived.

With `[ingest] detail = "graphql"` (the default) the statuses of those deployments are read in
batched GraphQL queries (`ingest/gql_detail.py`) instead of one REST walk per deployment.
"""

from __future__ import annotations

from datetime import timedelta
from fnmatch import fnmatchcase

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.gql_detail import Wanted
from ingest.plan import TERMINAL_STATES
from ingest.summaries import Summary

FAMILY = "deployments"
PENDING_DAYS = 14


def is_production(environment: str, globs: tuple[str, ...]) -> bool:
    """Whether an environment name matches one of the production globs (case-insensitive); a
    deployment without one counts (GitHub's default environment is `production`)."""
    if not environment:
        return True
    low = environment.lower()
    return any(fnmatchcase(low, g.lower()) for g in globs)


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk new deployments, then the production statuses that may have changed."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    watermark = ctx.index.watermark(kinds.REPO_DEPLOYMENTS, full)
    cutoff = watermark or ctx.history_cutoff()
    params: dict[str, str | int] = {"owner": owner, "repo": repo}
    production = ctx.cfg.dora.production_environments

    def stop(summary: Summary) -> bool:
        return any(item[1] and item[1] <= cutoff for item in summary.items)

    todo: set[int] = set()
    with ctx.guard(FAMILY, full):
        req = Req(
            kinds.REPO_DEPLOYMENTS,
            "/repos/{owner}/{repo}/deployments",
            params,
            {"per_page": "100"},
            org=owner,
            repo=full,
        )
        for page in ctx.walk(req, stop=stop):
            for dep_id, created, environment, node in page.summary.items:
                if node:
                    ctx.index.node_ids[(full, "deployment", int(dep_id))] = node
                new = created > cutoff or (watermark is None and created >= cutoff)
                if new and is_production(environment, production):
                    todo.add(int(dep_id))
    todo.update(recheck(ctx, full))
    if ctx.detail is not None:
        nodes = {d: ctx.index.node_ids.get((full, "deployment", d)) for d in todo}
        wanted = [Wanted(n, (d,)) for d, n in sorted(nodes.items()) if n]
        todo = {d for d, n in nodes.items() if not n}
        if wanted and not ctx.is_denied(FAMILY, full):
            with ctx.guard(FAMILY, full):
                ctx.detail.deployments(owner, full, wanted)
    for dep_id in sorted(todo):
        if ctx.is_denied(FAMILY, full):
            return
        with ctx.guard(FAMILY, full):
            ctx.walk(
                Req(
                    kinds.REPO_DEPLOYMENT_STATUSES,
                    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
                    {**params, "deployment_id": dep_id},
                    {"per_page": "100"},
                    org=owner,
                    repo=full,
                ),
                refs={"deployment_id": dep_id},
            )


def recheck(ctx: Ctx, full: str) -> set[int]:
    """Known production deployments of `full` whose statuses must be read (again)."""
    pending_since = (ctx.today - timedelta(days=PENDING_DAYS)).isoformat()
    history = ctx.history_cutoff()
    production = ctx.cfg.dora.production_environments
    out: set[int] = set()
    for dep_id, (created, environment) in ctx.index.deployments.get(full, {}).items():
        if not is_production(environment, production):
            continue
        state = ctx.index.deployment_state.get((full, dep_id))
        if (state is None and created >= history) or (
            state is not None and state not in TERMINAL_STATES and created >= pending_since
        ):
            out.add(dep_id)
    return out
