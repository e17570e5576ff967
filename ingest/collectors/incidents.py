"""Incident issues: one walk per incident label (`labels=` ANDs several), updated since the
watermark. `/issues` also returns PRs; the projections skip items with `pull_request`."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "incidents"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk /issues?labels=L&state=all&since=watermark for every incident label."""
    full = f"{owner}/{repo}"
    for label in ctx.cfg.dora.incident_labels:
        if ctx.is_denied(FAMILY, full):
            return
        since = ctx.index.watermark(kinds.REPO_ISSUES, full, label) or ctx.history_cutoff()
        req = Req(
            kinds.REPO_ISSUES,
            "/repos/{owner}/{repo}/issues",
            {"owner": owner, "repo": repo},
            {
                "labels": label,
                "state": "all",
                "sort": "updated",
                "direction": "desc",
                "since": since,
                "per_page": "100",
            },
            org=owner,
            repo=full,
        )
        with ctx.guard(FAMILY, full):
            ctx.walk(req, refs={"stream": label})
