"""Pull requests: the list sorted by update (newest first) down to the watermark, then for every
new or changed PR (and any PR whose earlier fetch failed): its reviews when updated_at moved, its
detail and commits when the head commit moved (additions/deletions change only with it).

With `[ingest] detail = "graphql"` (the default) those PRs are read in batched GraphQL queries
instead (`ingest/gql_detail.py`: detail, reviews, commits and draft events at once); REST per item
remains for `detail = "rest"` and for a PR whose `node_id` is unknown."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.gql_detail import Wanted
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
    changed: dict[int, tuple[str, str]] = {}

    def stop(summary: Summary) -> bool:
        return any(item[1] <= cutoff for item in summary.items)

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
            for number, updated, head, node in page.summary.items:
                new = updated > cutoff or (watermark is None and updated >= cutoff)
                if new and updated >= changed.get(int(number), ("", ""))[0]:
                    changed[int(number)] = (updated, head)
                if node:
                    ctx.index.node_ids[(full, "pull", int(number))] = node
    for number, state in ctx.index.pr_backlog(full, ctx.history_cutoff()).items():
        if state[0] > changed.get(number, ("", ""))[0]:
            changed[number] = state
    wanted: list[Wanted] = []
    for number in sorted(changed):
        if ctx.is_denied(FAMILY, full):
            return
        updated, head = changed[number]
        todo = ctx.index.pr_todo(full, number, updated, head)
        node = ctx.index.node_ids.get((full, "pull", number))
        if ctx.detail is not None and node and todo:
            wanted.append(Wanted(node, (number, updated, head)))
            continue
        _pull_details(ctx, owner, repo, number=number, state=(updated, head), todo=todo)
    if ctx.detail is not None and wanted:
        with ctx.guard(FAMILY, full):
            ctx.detail.pull_requests(owner, full, wanted)


def _pull_details(
    ctx: Ctx, owner: str, repo: str, *, number: int, state: tuple[str, str], todo: list[str]
) -> None:
    full = f"{owner}/{repo}"
    params: dict[str, str | int] = {"owner": owner, "repo": repo, "pull_number": number}
    refs = {"pull_number": number, "pull_updated_at": state[0], "pull_head_sha": state[1]}
    if kinds.REPO_PULL in todo:
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
        if kind not in todo:
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
