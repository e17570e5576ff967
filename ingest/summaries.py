"""Per-kind summaries of a response body: the few fields the planner and the walkers need.

The same function summarises a fresh 200 during a run and an archived 200 while planning, so a 304
("same body as event X") is handled exactly like the body it confirms: by X's summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archive import kinds

Item = tuple[Any, ...]
"""One list item reduced to what planning needs, e.g. (number, updated_at)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a page holds, for planning: its items and, for search-like lists, total_count."""

    items: tuple[Item, ...] = ()
    total: int | None = None

    def keys(self, index: int = 0) -> list[Any]:
        """The `index`-th field of every item."""
        return [item[index] for item in self.items]


EMPTY = Summary()


def _list(body: Any, key: str | None = None) -> list[dict[str, Any]]:
    data = body.get(key) if (key and isinstance(body, dict)) else body
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict)]


def _pulls(body: Any) -> Summary:
    return Summary(
        tuple(
            (
                p.get("number"),
                p.get("updated_at") or "",
                str((p.get("head") or {}).get("sha") or ""),
                str(p.get("node_id") or ""),
            )
            for p in _list(body)
            if p.get("number")
        )
    )


def _commit_date(c: dict[str, Any]) -> str:
    commit = c.get("commit") or {}
    committer = commit.get("committer") or {}
    author = commit.get("author") or {}
    return str(committer.get("date") or author.get("date") or "")


def _commits(body: Any) -> Summary:
    return Summary(tuple((_commit_date(c),) for c in _list(body)))


def _runs(body: Any) -> Summary:
    runs = _list(body, "workflow_runs")
    total = body.get("total_count") if isinstance(body, dict) else None
    return Summary(
        tuple((r.get("id"), r.get("created_at") or "", r.get("status") or "") for r in runs),
        total if isinstance(total, int) else None,
    )


def _deployments(body: Any) -> Summary:
    return Summary(
        tuple(
            (
                d.get("id"),
                d.get("created_at") or "",
                str(d.get("environment") or ""),
                str(d.get("node_id") or ""),
            )
            for d in _list(body)
        )
    )


def _statuses(body: Any) -> Summary:
    return Summary(tuple((s.get("state") or "", s.get("created_at") or "") for s in _list(body)))


def _releases(body: Any) -> Summary:
    return Summary(tuple((r.get("created_at") or "",) for r in _list(body)))


def _issues(body: Any) -> Summary:
    return Summary(tuple((i.get("updated_at") or "",) for i in _list(body)))


def _issue_events(body: Any) -> Summary:
    return Summary(tuple((e.get("created_at") or "", e.get("id")) for e in _list(body)))


def _repos(body: Any) -> Summary:
    return Summary(
        tuple(
            (
                r.get("name"),
                r.get("full_name") or "",
                bool(r.get("archived")),
                r.get("pushed_at") or "",
            )
            for r in _list(body)
            if r.get("name")
        )
    )


def _seats(body: Any) -> Summary:
    seats = _list(body, "seats")
    total = body.get("total_seats") if isinstance(body, dict) else None
    logins = tuple(
        ((s.get("assignee") or {}).get("login") or "",)
        for s in seats
        if isinstance(s.get("assignee"), dict)
    )
    return Summary(logins, total if isinstance(total, int) else None)


def _report(body: Any) -> Summary:
    links = body.get("download_links") if isinstance(body, dict) else None
    if not isinstance(links, list):
        return EMPTY
    return Summary(tuple((str(u),) for u in links))


def _none(_body: Any) -> Summary:
    return EMPTY


SUMMARIZERS: dict[str, Callable[[Any], Summary]] = {
    kinds.REPO_PULLS: _pulls,
    kinds.REPO_PULL_COMMITS: _none,
    kinds.REPO_PULL_REVIEWS: _none,
    kinds.REPO_PULL: _none,
    kinds.REPO_COMMITS: _commits,
    kinds.REPO_WORKFLOW_RUNS: _runs,
    kinds.REPO_DEPLOYMENTS: _deployments,
    kinds.REPO_DEPLOYMENT_STATUSES: _statuses,
    kinds.REPO_RELEASES: _releases,
    kinds.REPO_ISSUES: _issues,
    kinds.REPO_ISSUE_EVENTS: _issue_events,
    kinds.ORG_REPOS: _repos,
    kinds.COPILOT_SEATS: _seats,
    kinds.COPILOT_SEATS_ENTERPRISE: _seats,
    kinds.COPILOT_REPORT_ENTERPRISE_1_DAY: _report,
    kinds.COPILOT_REPORT_USERS_1_DAY: _report,
    kinds.COPILOT_REPORT_REPOS_1_DAY: _report,
    kinds.COPILOT_REPORT_USER_TEAMS_1_DAY: _report,
    kinds.COPILOT_REPORT_ORGANIZATION_1_DAY: _report,
    kinds.BILLING_PREMIUM_REQUEST_USAGE: _none,
    kinds.BILLING_AI_CREDIT_USAGE: _none,
}


def summarize(kind: str, body: Any) -> Summary:
    """Summarise a decoded body of `kind` (EMPTY for kinds without a summariser)."""
    fn = SUMMARIZERS.get(kind)
    return fn(body) if fn else EMPTY


def has_summary(kind: str) -> bool:
    """Whether bodies of `kind` carry anything the planner needs."""
    fn = SUMMARIZERS.get(kind)
    return fn is not None and fn is not _none
