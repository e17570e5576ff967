"""The plan index: what the archive already holds, from one streaming pass at the start of a run.

No separate state file: watermarks, ETags, stored report and billing days, seat logins, the repo
inventory, PRs whose details are still missing, unfinished workflow runs, deployments whose
statuses may still change and the `pushed_at` each repo's last commits walk had seen are all derived
here from the events. Failed requests are error events and
count for nothing, so whatever failed is simply still missing next time.

A paged walk counts only when its last page carries `refs.walk_complete`: its items then advance the
stream's watermark. Pages of one walk share (run_id, kind, scope, stream).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from archive import Event, kinds, read_events
from ingest.paginate import next_url
from ingest.summaries import EMPTY, Summary, has_summary, summarize

REPORT_KINDS = frozenset(
    {
        kinds.COPILOT_REPORT_ENTERPRISE_1_DAY,
        kinds.COPILOT_REPORT_USERS_1_DAY,
        kinds.COPILOT_REPORT_REPOS_1_DAY,
        kinds.COPILOT_REPORT_USER_TEAMS_1_DAY,
        kinds.COPILOT_REPORT_ORGANIZATION_1_DAY,
    }
)
BILLING_KINDS = frozenset({kinds.BILLING_PREMIUM_REQUEST_USAGE, kinds.BILLING_AI_CREDIT_USAGE})
SEAT_KINDS = frozenset({kinds.COPILOT_SEATS, kinds.COPILOT_SEATS_ENTERPRISE})
PLAN_KINDS = frozenset(kinds.KINDS - {kinds.RUN_STARTED, kinds.RUN_FINISHED})
GRAPHQL_KINDS = frozenset({kinds.GRAPHQL_PULL_REQUESTS, kinds.GRAPHQL_DEPLOYMENTS})

# Which item field advances a walk kind's watermark (index into the summary item).
_WATERMARK_FIELD = {
    kinds.REPO_PULLS: 1,
    kinds.REPO_COMMITS: 0,
    kinds.REPO_WORKFLOW_RUNS: 1,
    kinds.REPO_DEPLOYMENTS: 1,
    kinds.REPO_RELEASES: 0,
    kinds.REPO_ISSUES: 0,
    kinds.REPO_ISSUE_EVENTS: 0,
}
_SINCE_KINDS = frozenset({kinds.REPO_COMMITS, kinds.REPO_ISSUES})
PENDING_STATES = frozenset({"pending", "queued", "in_progress"})
TERMINAL_STATES = frozenset({"success", "failure", "error", "inactive"})


@dataclass(frozen=True, slots=True)
class EtagEntry:
    """The stored 200 for a URL and credential: its ETag, event, next link and summary."""

    etag: str
    event_id: str
    next_url: str | None
    summary: Summary


@dataclass
class _Report:
    key: tuple[str, str]
    day: str
    links: int
    fetched: str
    files: set[int] = field(default_factory=set)


WalkKey = tuple[str, str, str, str]
"""(run_id, kind, scope, stream) of one paged walk."""


@dataclass
class PlanIndex:
    """Everything the planner knows about one enterprise's archive."""

    etags: dict[tuple[str, str], EtagEntry] = field(default_factory=dict)
    report_days: dict[tuple[str, str], dict[str, str]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    billing_days: dict[tuple[str, str, str], dict[str, str]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    seats_snapshot: dict[tuple[str, str], str] = field(default_factory=dict)
    seat_logins: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    repos: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    watermarks: dict[tuple[str, str, str], str] = field(default_factory=dict)
    pr_needed: dict[str, dict[int, tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    pr_done: dict[tuple[str, int, str], tuple[str, str]] = field(default_factory=dict)
    runs_pending: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    deployments: dict[str, dict[int, tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    """repo → deployment id → (created_at, environment)."""
    deployment_state: dict[tuple[str, int], str] = field(default_factory=dict)
    commits_pushed: dict[str, str] = field(default_factory=dict)
    events_seen: int = 0
    node_ids: dict[tuple[str, str, int], str] = field(default_factory=dict)
    """(repo, "pull" | "deployment", number or id) → GraphQL global id (the REST `node_id`)."""

    def watermark(self, kind: str, scope: str, stream: str = "") -> str | None:
        """The latest value seen by a complete walk of this stream, or None."""
        return self.watermarks.get((kind, scope, stream))

    def pr_todo(self, repo: str, number: int, updated: str, head: str) -> list[str]:
        """Which of a PR's detail, reviews and commits must be (re)fetched.

        The detail (additions, deletions, changed files) and the commits change only with the head
        commit, so they are re-read when the head SHA moved; reviews whenever updated_at moved."""
        out = []
        for kind in (kinds.REPO_PULL, kinds.REPO_PULL_REVIEWS, kinds.REPO_PULL_COMMITS):
            done = self.pr_done.get((repo, number, kind))
            if done is None:
                out.append(kind)
            elif kind == kinds.REPO_PULL_REVIEWS or not head or not done[1]:
                if done[0] < updated:
                    out.append(kind)
            elif done[1] != head:
                out.append(kind)
        return out

    def pr_backlog(self, repo: str, cutoff: str) -> dict[int, tuple[str, str]]:
        """PRs of `repo` (updated at or after `cutoff`) with something still to fetch for their
        latest known state: number → (updated_at, head sha)."""
        return {
            number: (updated, head)
            for number, (updated, head) in self.pr_needed.get(repo, {}).items()
            if updated >= cutoff and self.pr_todo(repo, number, updated, head)
        }

    def all_seat_logins(self) -> list[str]:
        """Logins of the latest seat snapshot of every scope."""
        return sorted(set().union(*self.seat_logins.values())) if self.seat_logins else []


def _day_of(ev: Event) -> str:
    return ev.fetched_at[:10]


class _Builder:
    """Folds events (in seq order) into a PlanIndex."""

    def __init__(self) -> None:
        self.index = PlanIndex()
        self.walks: dict[WalkKey, list[Any]] = {}
        self.reports: dict[str, _Report] = {}
        self.report_aliases: list[tuple[str, tuple[str, str], str, str]] = []

    def add(self, ev: Event) -> None:
        self.index.events_seen += 1
        if ev.error is not None or ev.kind not in PLAN_KINDS:
            return
        status = ev.response.get("status")
        req = ev.request
        url, cred = req.get("url"), req.get("credential")
        summary = EMPTY
        if status == 304:
            entry = self.index.etags.get((str(url), str(cred)))
            summary = entry.summary if entry else EMPTY
        elif status == 200 and ev.kind != kinds.COPILOT_REPORT_FILE:
            summary = self._summary_200(ev, str(url), str(cred))
        self._dispatch(ev, status, summary)

    def _summary_200(self, ev: Event, url: str, cred: str) -> Summary:
        summary = EMPTY
        if has_summary(ev.kind):
            raw = ev.body_bytes()
            try:
                body = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                body = None
            summary = summarize(ev.kind, body) if body is not None else EMPTY
        etag = ev.response.get("headers", {}).get("etag")
        if etag and cred != "None":
            nxt = next_url(ev.response.get("headers", {}).get("link"))
            self.index.etags[(url, cred)] = EtagEntry(etag, ev.event_id, nxt, summary)
        return summary

    def _dispatch(self, ev: Event, status: Any, summary: Summary) -> None:
        kind = ev.kind
        if kind in REPORT_KINDS:
            self._report(ev, status, summary)
        elif kind == kinds.COPILOT_REPORT_FILE:
            if status == 200:
                rep = self.reports.get(str(ev.refs.get("report_event_id")))
                if rep is not None:
                    rep.files.add(int(ev.refs.get("file_index", -1)))
        elif kind in BILLING_KINDS:
            self._billing(ev, status)
        elif kind in GRAPHQL_KINDS:
            if status == 200:
                self._graphql(ev)
        elif status in (200, 304):
            self._walk_page(ev, summary)

    def _report(self, ev: Event, status: Any, summary: Summary) -> None:
        day = str(ev.request.get("query", {}).get("day", ""))
        key = (ev.kind, ev.org or "")
        if status == 304:
            ref = str(ev.refs.get("not_modified_of", ""))
            self.report_aliases.append((ref, key, day, _day_of(ev)))
        elif status in (204, 404) or (status == 200 and not summary.items):
            _newer(self.index.report_days[key], day, _day_of(ev))
        elif status == 200:
            self.reports[ev.event_id] = _Report(key, day, len(summary.items), _day_of(ev))

    def _billing(self, ev: Event, status: Any) -> None:
        if status not in (200, 304):
            return
        q = ev.request.get("query", {})
        try:
            day = date(int(q["year"]), int(q["month"]), int(q["day"])).isoformat()
        except (KeyError, ValueError):
            return
        key = (ev.kind, str(q.get("organization", "")), str(q.get("user", "")))
        _newer(self.index.billing_days[key], day, _day_of(ev))

    def _walk_page(self, ev: Event, summary: Summary) -> None:  # noqa: PLR0912
        kind, refs = ev.kind, ev.refs
        scope = ev.repo or ev.org or ""
        stream = str(
            refs.get("stream") or refs.get("pull_number") or refs.get("deployment_id") or ""
        )
        if kind == kinds.REPO_PULLS:
            needed = self.index.pr_needed[scope]
            for number, updated, head, node in summary.items:
                if updated > needed.get(int(number), ("", ""))[0]:
                    needed[int(number)] = (updated, head)
                if node:
                    self.index.node_ids[(scope, "pull", int(number))] = node
        elif kind == kinds.REPO_PULL:
            self._pr_done(scope, ev, kind)
            return
        elif kind == kinds.REPO_WORKFLOW_RUNS:
            pending = self.index.runs_pending[scope]
            for run_id, created, state in summary.items:
                if state == "completed":
                    pending.pop(int(run_id), None)
                else:
                    pending[int(run_id)] = created
        elif kind == kinds.REPO_DEPLOYMENTS:
            for dep_id, created, environment, node in summary.items:
                self.index.deployments[scope][int(dep_id)] = (created, environment)
                if node:
                    self.index.node_ids[(scope, "deployment", int(dep_id))] = node
        wkey: WalkKey = (ev.run_id, kind, scope, stream)
        acc = self.walks.setdefault(wkey, [])
        acc.extend(summary.items)
        if refs.get("walk_complete"):
            self._complete(kind, scope, stream, ev, self.walks.pop(wkey))

    def _graphql(self, ev: Event) -> None:
        """A GraphQL detail answer: the items it completed (refs, see ingest/gql_detail.py)."""
        scope = ev.repo or ev.org or ""
        items = ev.refs.get("items") or {}
        done = list(ev.refs.get("complete") or ()) + list(ev.refs.get("not_found") or ())
        for node in done:
            info = items.get(node)
            if not isinstance(info, list) or not info:
                continue
            if ev.kind == kinds.GRAPHQL_DEPLOYMENTS:
                state = str(info[1]) if len(info) > 1 else ""
                self.index.deployment_state[(scope, int(info[0]))] = state
                continue
            number, updated, head = int(info[0]), str(info[1]), str(info[2])
            for kind in (kinds.REPO_PULL, kinds.REPO_PULL_REVIEWS, kinds.REPO_PULL_COMMITS):
                key = (scope, number, kind)
                if updated >= self.index.pr_done.get(key, ("", ""))[0]:
                    self.index.pr_done[key] = (updated, head)

    def _pr_done(self, scope: str, ev: Event, kind: str) -> None:
        number = int(ev.refs.get("pull_number", 0))
        updated = str(ev.refs.get("pull_updated_at", ""))
        head = str(ev.refs.get("pull_head_sha", ""))
        key = (scope, number, kind)
        if updated >= self.index.pr_done.get(key, ("", ""))[0]:
            self.index.pr_done[key] = (updated, head)

    def _complete(self, kind: str, scope: str, stream: str, ev: Event, items: list[Any]) -> None:
        idx = self.index
        field_no = _WATERMARK_FIELD.get(kind)
        if field_no is not None:
            values = [str(item[field_no]) for item in items if item[field_no]]
            query = ev.request.get("query", {})
            single = kind in _SINCE_KINDS and ev.request.get("page") == 1
            if not values or single:
                # Nothing new, or one page answered everything since the bound: keep the bound
                # the walk used, so the next run asks the very same URL (a free 304 unless
                # something changed) instead of a URL that moves with every new item.
                bound = str(query.get("since") or query.get("created", "")).lstrip(">=")
                values = [bound[:10] if kind == kinds.REPO_WORKFLOW_RUNS else bound]
            values = [v for v in values if v]
            if values:
                key = (kind, scope, stream)
                idx.watermarks[key] = max([*values, idx.watermarks.get(key, "")])
        if kind in (kinds.REPO_PULL_REVIEWS, kinds.REPO_PULL_COMMITS):
            self._pr_done(scope, ev, kind)
        elif kind == kinds.REPO_COMMITS:
            # refs.pushed_at: the repo's pushed_at in the org list read before this walk (see
            # collectors/commits.py); "" when none was read in that run.
            idx.commits_pushed[scope] = str(ev.refs.get("pushed_at") or "")
        elif kind == kinds.REPO_DEPLOYMENT_STATUSES:
            dep = (scope, int(ev.refs.get("deployment_id", 0)))
            latest = max(items, key=lambda it: str(it[1]), default=None)
            idx.deployment_state[dep] = str(latest[0]) if latest else ""
        elif kind in SEAT_KINDS:
            idx.seats_snapshot[(kind, ev.org or "")] = _day_of(ev)
            idx.seat_logins[(kind, ev.org or "")] = frozenset(str(i[0]) for i in items if i[0])
        elif kind == kinds.ORG_REPOS:
            idx.repos[ev.org or scope] = list(items)

    def finish(self) -> PlanIndex:
        done: dict[str, _Report] = {}
        for event_id, rep in self.reports.items():
            if rep.links and len(rep.files) >= rep.links:
                _newer(self.index.report_days[rep.key], rep.day, rep.fetched)
                done[event_id] = rep
        for ref, key, day, fetched in self.report_aliases:
            if ref in done:
                _newer(self.index.report_days[key], day, fetched)
        return self.index


def _newer(days: dict[str, str], day: str, fetched: str) -> None:
    if fetched > days.get(day, ""):
        days[day] = fetched


def build_index(events: Iterable[Event]) -> PlanIndex:
    """Fold events (in seq order) into a PlanIndex."""
    builder = _Builder()
    for ev in events:
        builder.add(ev)
    return builder.finish()


def load_index(raw_dir: Path, enterprise_id: str) -> PlanIndex:
    """Build the plan index of one enterprise from the archive in one streaming pass."""
    if not (raw_dir / "FORMAT").exists():
        return PlanIndex()
    return build_index(read_events(raw_dir, kinds=PLAN_KINDS, enterprise_id=enterprise_id))
