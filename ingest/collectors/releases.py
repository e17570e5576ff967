"""Releases, newest first, down to the watermark (latest created_at seen)."""

from __future__ import annotations

from archive import kinds
from ingest.collectors.newest_first import walk_to_watermark
from ingest.context import Ctx

FAMILY = "releases"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /releases until a release at or before the watermark."""
    walk_to_watermark(
        ctx,
        owner,
        repo,
        family=FAMILY,
        kind=kinds.REPO_RELEASES,
        path="/repos/{owner}/{repo}/releases",
    )
