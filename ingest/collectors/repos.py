"""The repository inventory of each organization, filtered by the configured globs."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "repos"


def selected(name: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether a repo name matches an include glob and no exclude glob."""
    return any(fnmatchcase(name, p) for p in include) and not any(
        fnmatchcase(name, p) for p in exclude
    )


def collect(ctx: Ctx) -> list[tuple[str, str]]:
    """Walk each organization's repo list; return the selected (org, name) pairs.

    Each repo's `pushed_at` from a list fetched in this run goes to `ctx.pushed_at` (the commits
    collector skips repos nobody pushed to). When the list cannot be fetched, the last complete
    inventory in the archive is used, and no `pushed_at` is trusted."""
    ctx.report("repos")
    out: list[tuple[str, str]] = []
    for org in ctx.ent.orgs:
        items: list[tuple[Any, ...]] | None = None
        req = Req(kinds.ORG_REPOS, "/orgs/{org}/repos", {"org": org}, {"per_page": "100"}, org=org)
        with ctx.guard(FAMILY, org):
            pages = ctx.walk(req)
            items = [item for page in pages for item in page.summary.items]
            ctx.pushed_at.update({str(it[1]): str(it[3]) for it in items if it[1] and it[3]})
        if items is None:
            items = ctx.index.repos.get(org, [])
        out.extend(
            (org, str(item[0]))
            for item in items
            if selected(str(item[0]), ctx.ent.repos, ctx.ent.exclude_repos)
        )
    return sorted(set(out))
