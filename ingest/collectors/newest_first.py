"""A repository list GitHub returns newest first and without `since`: walk it down to the watermark.

The walk stops at the first page holding an item created at or before the watermark (the newest
`created_at` of a complete walk; first run: the history cutoff); an unchanged first page is a free
304. `created_at` is the first field of the kind's summary items.
"""

from __future__ import annotations

from ingest.context import Ctx
from ingest.fetch import Req
from ingest.summaries import Summary


def walk_to_watermark(
    ctx: Ctx, owner: str, repo: str, *, family: str, kind: str, path: str, per_page: str = "100"
) -> None:
    """Walk `path` of owner/repo newest first until an item at or before the watermark."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(family, full):
        return
    cutoff = ctx.index.watermark(kind, full) or ctx.history_cutoff()

    def stop(summary: Summary) -> bool:
        return any(item[0] and item[0] <= cutoff for item in summary.items)

    req = Req(
        kind, path, {"owner": owner, "repo": repo}, {"per_page": per_page}, org=owner, repo=full
    )
    with ctx.guard(family, full):
        ctx.walk(req, stop=stop)
