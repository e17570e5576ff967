"""Pull requests: the list sorted by update (newest first) down to the watermark, then the detail,
reviews and commits of every new or changed PR (and of any PR whose earlier fetch failed)."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.summaries import Summary

FAMILY = "pulls"
LIST_QUERY = {"state": "all", "sort": "updated", "direction": "desc", "per_page": "100"}


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Collect one repository's changed pull requests."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    watermark = ctx.index.watermark(kinds.REPO_PULLS, full)
    cutoff = watermark or ctx.history_cutoff()
    changed: dict[int, str] = {}

    def stop(summary: Summary) -> bool:
        return any(updated <= cutoff for _n, updated in summary.items)

    params: dict[str, str | int] = {"owner": owner, "repo": repo}
    with ctx.guard(FAMILY, full):
        for page in ctx.walk(
            Req(
                kinds.REPO_PULLS,
                "/repos/{owner}/{repo}/pulls",
                params,
                LIST_QUERY,
                org=owner,
                repo=full,
            ),
            stop=stop,
        ):
            for number, updated in page.summary.items:
                if updated > cutoff or (watermark is None and updated >= cutoff):
                    changed[int(number)] = max(updated, changed.get(int(number), ""))
    backlog = ctx.index.pr_backlog(full, ctx.history_cutoff())
    for number, updated in backlog.items():
        if updated > changed.get(number, ""):
            changed[number] = updated
    for number in sorted(changed):
        if ctx.is_denied(FAMILY, full):
            return
        _pull_details(ctx, owner, repo, number, changed[number])


def _pull_details(ctx: Ctx, owner: str, repo: str, number: int, updated: str) -> None:
    full = f"{owner}/{repo}"
    params: dict[str, str | int] = {"owner": owner, "repo": repo, "pull_number": number}
    refs = {"pull_number": number, "pull_updated_at": updated}
    done = ctx.index.pr_done
    if done.get((full, number, kinds.REPO_PULL), "") < updated:
        with ctx.guard(FAMILY, full):
            ctx.fetcher.fetch(
                Req(
                    kinds.REPO_PULL,
                    "/repos/{owner}/{repo}/pulls/{pull_number}",
                    params,
                    org=owner,
                    repo=full,
                ),
                refs=refs,
            )
    for kind, suffix in (
        (kinds.REPO_PULL_REVIEWS, "reviews"),
        (kinds.REPO_PULL_COMMITS, "commits"),
    ):
        if done.get((full, number, kind), "") >= updated:
            continue
        with ctx.guard(FAMILY, full):
            ctx.walk(
                Req(
                    kind,
                    f"/repos/{{owner}}/{{repo}}/pulls/{{pull_number}}/{suffix}",
                    params,
                    {"per_page": "100"},
                    org=owner,
                    repo=full,
                ),
                refs=refs,
            )
