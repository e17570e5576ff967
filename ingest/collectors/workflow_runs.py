"""Workflow runs by creation date, in windows that each stay under GitHub's 1,000-result cap.

The window starts on the Monday of the watermark's week (first run: the history cutoff), or earlier
when a run that was not completed at the last collection was created before it, so unfinished runs
are re-read.
A window whose first page reports more than 1,000 results is split in two (by days) and walked as
two windows. Only the last page of the last window marks the walk complete.

Unlike commits, runs are never skipped on an unchanged `pushed_at`: scheduled, manually dispatched
and re-run workflows start without any push, so nothing proves a repo has no new runs; a window in
which nothing changed is answered with a free 304.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req
from ingest.summaries import Summary

FAMILY = "workflow_runs"
RESULT_CAP = 1000
PENDING_MAX_AGE_DAYS = 35


def window_start(ctx: Ctx, full: str) -> date:
    """First day to query: the Monday of the watermark's week (first run: the history cutoff), or
    earlier for the oldest unfinished run.

    Starting on a Monday rather than on the watermark's own day keeps the URL the same all week, so
    a repository with no new runs since the last collection gets a free 304: with a start that
    moves whenever the newest run does, the next day's request has a new URL and is charged even
    when it returns nothing new. The price is re-listing up to a week of runs in its pages.
    """
    watermark = ctx.index.watermark(kinds.REPO_WORKFLOW_RUNS, full)
    if watermark:
        day = date.fromisoformat(watermark[:10])
        start = day - timedelta(days=day.weekday())
    else:
        start = date.fromisoformat(ctx.history_cutoff()[:10])
    oldest_ok = (ctx.today - timedelta(days=PENDING_MAX_AGE_DAYS)).isoformat()
    pending = [c for c in ctx.index.runs_pending.get(full, {}).values() if c and c >= oldest_ok]
    if pending:
        start = min(start, date.fromisoformat(min(pending)[:10]))
    return start


def created_filter(start: date, end: date | None) -> str:
    """GitHub's `created` search qualifier for a window (end None: open-ended)."""
    if end is None:
        return f">={start.isoformat()}"
    return f"{start.isoformat()}..{end.isoformat()}"


def collect(ctx: Ctx, owner: str, repo: str) -> None:
    """Walk the runs created since the window start."""
    full = f"{owner}/{repo}"
    if ctx.is_denied(FAMILY, full):
        return
    todo: list[tuple[date, date | None]] = [(window_start(ctx, full), None)]
    params: dict[str, str | int] = {"owner": owner, "repo": repo}
    with ctx.guard(FAMILY, full):
        while todo:
            start, end = todo.pop(0)
            last_day = end or ctx.today
            splittable = start < last_day
            req = Req(
                kinds.REPO_WORKFLOW_RUNS,
                "/repos/{owner}/{repo}/actions/runs",
                params,
                {"created": created_filter(start, end), "per_page": "100"},
                org=owner,
                repo=full,
            )
            url: str | None = None
            number = 1
            final = not todo
            while True:

                def hook(
                    summary: Summary,
                    nxt: str | None,
                    n: int = number,
                    split: bool = splittable,
                    last: bool = final,
                ) -> dict[str, Any]:
                    over = n == 1 and split and (summary.total or 0) > RESULT_CAP
                    done = nxt is None and last and not over
                    return {"walk_complete": True} if done else {}

                page = ctx.fetcher.fetch(req, url=url, page=number, refs_hook=hook)
                if number == 1 and splittable and (page.summary.total or 0) > RESULT_CAP:
                    mid = start + (last_day - start) // 2
                    todo[:0] = [(start, mid), (mid + timedelta(days=1), last_day)]
                    break
                if page.next_url is None:
                    break
                url, number = page.next_url, number + 1
