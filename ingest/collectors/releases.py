"""Releases, newest first, down to the watermark (latest created_at seen)."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.summaries import Summary

FAMILY = "releases"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /releases until a release at or before the watermark."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    cutoff = ctx.index.watermark(kinds.REPO_RELEASES, full) or ctx.history_cutoff()

    def stop(summary: Summary) -> bool:
        return any(created and created <= cutoff for (created,) in summary.items)

    req = Req(
        kinds.REPO_RELEASES,
        "/repos/{owner}/{repo}/releases",
        {"owner": owner, "repo": repo},
        {"per_page": "100"},
        org=owner,
        repo=full,
    )
    with ctx.guard(FAMILY, full):
        ctx.walk(req, stop=stop)
