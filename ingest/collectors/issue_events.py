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

    Also with GraphQL detail, whose `timelineItems` carry the draft events of the PRs it reads:
    this walk also holds those of PRs whose detail is not read (older than the window but on a
    listed page), so both paths project the same ready times; it is one request per repository
    and a free 304 when nothing happened."""
    walk_to_watermark(
        ctx, owner, repo, family=FAMILY, kind=kinds.REPO_ISSUE_EVENTS, path=PATH, per_page=PER_PAGE
    )
