"""Issue events of a repository, newest first, down to the watermark (latest created_at seen).

Part of the `pulls` family: a PR's own answer says only whether it is a draft *now*; when a draft
was marked ready for review (or converted back to draft) is known only from these events, which the
velocity projection reads. The list has no `since`, so the walk stops at the first page that
reaches the watermark; an unchanged first page is a free 304.
"""

from __future__ import annotations

from archive import kinds
from ingest.collectors.newest_first import walk_to_watermark
from ingest.context import Ctx

FAMILY = "pulls"
PATH = "/repos/{owner}/{repo}/issues/events"
PER_PAGE = "100"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /issues/events until an event at or before the watermark (or the history cutoff).

    With GraphQL detail only on a repository's first walk (the backfill): afterwards the
    `timelineItems` of every changed PR carry its draft events (marking a PR ready or draft
    updates it, so its detail is read again), and the walk would only re-read events already
    held. The first walk stays because its pages also hold the draft events of listed PRs whose
    detail is never read (older than the window), so both paths project the same ready times."""
    full = f"{owner}/{repo}"
    if ctx.cfg.ingest.detail == "graphql" and ctx.index.watermark(kinds.REPO_ISSUE_EVENTS, full):
        return
    walk_to_watermark(
        ctx, owner, repo, family=FAMILY, kind=kinds.REPO_ISSUE_EVENTS, path=PATH, per_page=PER_PAGE
    )
