"""Deployments (newest first, down to the watermark) and their statuses.

Statuses are read for new deployments, and re-read (conditionally, so usually a free 304) for
deployments created since yesterday, for those of the last two weeks whose latest status can still
change (pending, or success which turns inactive when superseded), and for those whose statuses
were never stored completely."""

from __future__ import annotations

from datetime import timedelta

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.plan import PENDING_STATES
from ingest.summaries import Summary

FAMILY = "deployments"
RECENT_DAYS = 1
PENDING_DAYS = 14
# A pending deployment gets its final status later; a successful one turns `inactive` when a
# newer deployment to the same environment succeeds. failure/error/inactive are final.
_MAY_CHANGE = PENDING_STATES | {"success"}


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk new deployments, then the statuses that may have changed."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    watermark = ctx.index.watermark(kinds.REPO_DEPLOYMENTS, full)
    cutoff = watermark or ctx.history_cutoff()
    params: dict[str, str | int] = {"owner": owner, "repo": repo}

    def stop(summary: Summary) -> bool:
        return any(created and created <= cutoff for _id, created in summary.items)

    todo: dict[int, str] = {}
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
            for dep_id, created in page.summary.items:
                if created > cutoff or (watermark is None and created >= cutoff):
                    todo[int(dep_id)] = created
    todo.update(_recheck(ctx, full))
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


def _recheck(ctx: Ctx, full: str) -> dict[int, str]:
    recent = f"{(ctx.today - timedelta(days=RECENT_DAYS)).isoformat()}"
    pending_since = f"{(ctx.today - timedelta(days=PENDING_DAYS)).isoformat()}"
    history = ctx.history_cutoff()
    out: dict[int, str] = {}
    for dep_id, created in ctx.index.deployments.get(full, {}).items():
        state = ctx.index.deployment_state.get((full, dep_id))
        if (
            created >= recent
            or (state in _MAY_CHANGE and created >= pending_since)
            or (state is None and created >= history)
        ):
            out[dep_id] = created
    return out
