"""Issue events of a repository, newest first, down to the watermark (latest created_at seen).

Part of the `pulls` family: a PR's own answer says only whether it is a draft *now*; when a draft
was marked ready for review (or converted back to draft) is known only from these events, which the
velocity projection reads. The list has no `since`, so the walk stops at the first page that
reaches the watermark; an unchanged first page is a free 304.
"""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.summaries import Summary

FAMILY = "pulls"
PATH = "/repos/{owner}/{repo}/issues/events"
PER_PAGE = "100"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /issues/events until an event at or before the watermark (or the history cutoff)."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    cutoff = ctx.index.watermark(kinds.REPO_ISSUE_EVENTS, full) or ctx.history_cutoff()

    def stop(summary: Summary) -> bool:
        return any(created and created <= cutoff for created, _id in summary.items)

    req = Req(
        kinds.REPO_ISSUE_EVENTS,
        PATH,
        {"owner": owner, "repo": repo},
        {"per_page": PER_PAGE},
        org=owner,
        repo=full,
    )
    with ctx.guard(FAMILY, full):
        ctx.walk(req, stop=stop)
