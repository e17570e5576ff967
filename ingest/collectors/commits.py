"""Commits on the default branch since the watermark (first run: since the history cutoff)."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "commits"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /commits?since=watermark."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    since = ctx.index.watermark(kinds.REPO_COMMITS, full) or ctx.history_cutoff()
    req = Req(
        kinds.REPO_COMMITS,
        "/repos/{owner}/{repo}/commits",
        {"owner": owner, "repo": repo},
        {"since": since, "per_page": "100"},
        org=owner,
        repo=full,
    )
    with ctx.guard(FAMILY, full):
        ctx.walk(req)
