"""Commits on the default branch since the watermark (first run: since the history cutoff).

Commits only arrive by a push, and every push moves the repository's `pushed_at`. Each walk
carries, in `refs.pushed_at`, the value the org list fetched earlier in the same run showed; the
walk itself comes later, so it saw at least everything pushed up to then. When this run's org list
shows that very value again (`PlanIndex.commits_pushed`), nothing was pushed since and the repo is
skipped without a request. Without a list fetched in this run, or without a recorded value, the
walk runs as usual.
"""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "commits"


def unchanged(ctx: Ctx, full: str) -> bool:
    """Whether nothing was pushed to `full` since its last complete commits walk."""
    now = ctx.pushed_at.get(full, "")
    return bool(now) and ctx.index.commits_pushed.get(full) == now


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /commits?since=watermark, unless nothing was pushed since the last walk."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    watermark = ctx.index.watermark(kinds.REPO_COMMITS, full)
    if watermark is not None and unchanged(ctx, full):
        return
    req = Req(
        kinds.REPO_COMMITS,
        "/repos/{owner}/{repo}/commits",
        {"owner": owner, "repo": repo},
        {"since": watermark or ctx.history_cutoff(), "per_page": "100"},
        org=owner,
        repo=full,
    )
    pushed = ctx.pushed_at.get(full)
    with ctx.guard(FAMILY, full):
        ctx.walk(req, refs={"pushed_at": pushed} if pushed else None)
